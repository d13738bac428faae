import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONSENT_HEADER } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { environmentsAnswerSchema } from '../../contract/console.ts';
import { generateCpf } from '../../contract/cpf.ts';
import { registrationAnswerSchema } from '../../contract/registration.ts';
import { ApiError, apiRequest } from './client.ts';
import { shouldRetry } from './query-client.ts';
import { registrationQueries } from './registrations.ts';
import { QueryClient } from '@tanstack/react-query';
import { fixtureBase64 } from '../test/fixtures.ts';

// These calls reach the real console server and its emulator (src/test/console-server.ts).

async function failure(call: Promise<unknown>): Promise<ApiError> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('apiRequest', () => {
  it('answers parsed with the contract', async () => {
    expect(await apiRequest('/environments', environmentsAnswerSchema)).toEqual({
      environments: [
        { name: 'local', synthetic: true, validation: true },
        { name: 'sandbox', synthetic: true, validation: false },
        { name: 'production', synthetic: false, validation: false },
      ],
    });
  });

  it("maps a refusal to an ApiError with the server's title and description", async () => {
    const error = await failure(
      apiRequest('/local/face_recognition/registration', registrationAnswerSchema, {
        method: 'POST',
        body: { document_number: '111.111.111-11', image_key: '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11' },
      }),
    );
    expect(error.status).toBe(400);
    expect(error.title).toBe('invalid_document_number');
    expect(error.upstreamStatus).toBeUndefined();
    expect(error.description).toMatch(/all digits equal/);
    expect(error.isClientError).toBe(true);
  });

  it("carries the upstream's status when the console server reports a failed upstream", async () => {
    // The test server's sandbox sends the emulator a key it refuses (src/test/console-server.ts).
    const error = await failure(
      apiRequest(`/sandbox/face_recognition/registration/document_number/${generateCpf()}`, registrationAnswerSchema),
    );
    expect([error.status, error.title, error.upstreamStatus]).toEqual([502, 'upstream_key_refused', 401]);
    expect(error.isClientError).toBe(false);
  });

  it('maps a 404 lookup to registration_not_found', async () => {
    const error = await failure(
      apiRequest(`/local/face_recognition/registration/document_number/${generateCpf()}`, registrationAnswerSchema),
    );
    expect([error.status, error.title]).toEqual([404, 'registration_not_found']);
  });

  it('treats an answer that does not fit the contract as an error, not as data', async () => {
    const error = await failure(apiRequest('/environments', registrationAnswerSchema));
    expect(error.title).toBe('unexpected_answer');
  });

  it('names a network failure', async () => {
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('Failed to fetch'));
    const error = await failure(apiRequest('/environments', environmentsAnswerSchema));
    expect([error.status, error.title]).toEqual([0, 'network_error']);
  });
});

describe('retries', () => {
  it('never retries a 4xx', () => {
    expect(shouldRetry(0, new ApiError(400, 'invalid_image', 'x'))).toBe(false);
    expect(shouldRetry(0, new ApiError(404, 'registration_not_found', 'x'))).toBe(false);
    expect(shouldRetry(0, new ApiError(404, 'environment_not_found', 'x'))).toBe(false);
  });

  it('never retries an upstream fault the console server already handled, nor any 504', () => {
    expect(shouldRetry(0, new ApiError(504, 'upstream_timeout', 'x'))).toBe(false);
    expect(shouldRetry(0, new ApiError(502, 'upstream_key_refused', 'x', { upstreamStatus: 401 }))).toBe(false);
    expect(shouldRetry(0, new ApiError(502, 'upstream_unreachable', 'x'))).toBe(false);
    expect(shouldRetry(0, new ApiError(502, 'upstream_connection_lost', 'x'))).toBe(false);
    expect(shouldRetry(0, new ApiError(502, 'upstream_error', 'x', { upstreamStatus: 503 }))).toBe(false);
    expect(shouldRetry(0, new ApiError(502, 'bad_upstream_answer', 'x', { upstreamStatus: 200 }))).toBe(false);
    // A gateway in front of the console that gave up waiting: the wait was already long.
    expect(shouldRetry(0, new ApiError(504, 'unexpected_answer', 'x'))).toBe(false);
  });

  it('retries the console server itself, unreachable or failing, twice', () => {
    expect(shouldRetry(0, new ApiError(0, 'network_error', 'x'))).toBe(true);
    expect(shouldRetry(1, new ApiError(0, 'network_error', 'x'))).toBe(true);
    expect(shouldRetry(2, new ApiError(0, 'network_error', 'x'))).toBe(false);
    expect(shouldRetry(0, new ApiError(500, 'internal_error', 'x'))).toBe(true);
    expect(shouldRetry(0, new ApiError(502, 'unexpected_answer', 'x'))).toBe(true);
    expect(shouldRetry(2, new ApiError(503, 'x', 'x'))).toBe(false);
  });
});

describe('registrationQueries', () => {
  it('resolves a CPF with no registration to null, and one with a registration to its key', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const cpf = generateCpf();
    expect(await client.query(registrationQueries.byDocument('local', cpf))).toBeNull();
    const image = await fetch('/api/local/face_recognition/image', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: await fixtureBase64('face-single-centered.jpg') }),
    });
    const { image_key } = (await image.json()) as { image_key: string };
    const created = await apiRequest('/local/face_recognition/registration', registrationAnswerSchema, {
      method: 'POST',
      body: { document_number: cpf, image_key },
      headers: { [CONSENT_HEADER]: CONSENT_TERM.version },
    });
    expect(await client.query({ ...registrationQueries.byDocument('local', cpf), staleTime: 0 })).toEqual(created);
  });
});
