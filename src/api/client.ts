import type { z } from 'zod/mini';
import { errorBodySchema } from '../../contract/registration.ts';

/**
 * Every failed call: the HTTP status (0 when the server could not be reached), and QI Tech's or
 * the console's `{title, description}` (+ `image_status`, + `upstream_status` when the console
 * server reports a failed upstream). The UI decides what to show; this layer never touches it.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly description: string;
  readonly imageStatus: string | undefined;
  /** QI Tech's own HTTP status, when the console server answers about an upstream that did answer. */
  readonly upstreamStatus: number | undefined;
  /** How long to wait before trying again, when the server says (`too_many_attempts`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    title: string,
    description: string,
    details: { imageStatus?: string; upstreamStatus?: number; retryAfterSeconds?: number } = {},
  ) {
    super(`${String(status)} ${title}: ${description}`);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.description = description;
    this.imageStatus = details.imageStatus;
    this.upstreamStatus = details.upstreamStatus;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  /** A refusal of what was sent (4xx): retrying it unchanged cannot succeed. */
  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Headers of this call besides accept and content-type (the consent term's version, for one). */
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/**
 * The one fetch wrapper: JSON in, JSON out, the answer parsed with its contract schema, every
 * failure an ApiError. Only `/api` is ever called; keys and upstreams stay on the server. The
 * session cookie goes along by itself (same origin). An answer without a body (204) is
 * `undefined`, which only a schema such as `z.undefined()` accepts.
 */
export async function apiRequest<S extends z.ZodMiniType>(path: string, schema: S, options: RequestOptions = {}): Promise<z.output<S>> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'The console server could not be reached. Check the connection and try again.');
  }

  let payload: unknown;
  try {
    payload = await response.json();
  } catch {
    payload = undefined;
  }

  if (!response.ok) {
    const parsed = errorBodySchema.safeParse(payload);
    if (parsed.success) {
      const { title, description, image_status, upstream_status, retry_after_seconds } = parsed.data;
      throw new ApiError(response.status, title, description, {
        ...(image_status === undefined ? {} : { imageStatus: image_status }),
        ...(upstream_status === undefined ? {} : { upstreamStatus: upstream_status }),
        ...(typeof retry_after_seconds === 'number' ? { retryAfterSeconds: retry_after_seconds } : {}),
      });
    }
    throw new ApiError(response.status, 'unexpected_answer', `The server answered HTTP ${String(response.status)} without an explanation.`);
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw new ApiError(response.status, 'unexpected_answer', 'The server answered with data the console does not understand.');
  }
  return parsed.data;
}
