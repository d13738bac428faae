import { cpfDigits, maskCpf } from '../../contract/cpf.ts';
import { registrationAnswerSchema, upstreamErrorBodySchema } from '../../contract/registration.ts';
import type { Environment } from '../routes/api.ts';
import { UpstreamFault } from '../lib/upstream.ts';
import type { UpstreamAnswer } from '../lib/upstream.ts';
import { retryAfterOf } from './pacing.ts';

/*
 * The two calls a bulk job makes to its environment, and what their answers mean for a row
 * (decision 013): the look-up by CPF (the check's, and the one before any row is sent again) and
 * the registration.
 */

/** An answer that decided nothing: the row stays as it is and the call is made again later. */
export interface Undecided {
  kind: 'undecided';
  /** For the logs (never a CPF): the status, or the fault's kind. */
  reason: string;
  /** 429 or 503: the environment asks for less; the pace halves. */
  slowDown: boolean;
  /** The wait the answer asked for, in seconds, when it said. */
  retryAfter: number | undefined;
  /** Nothing could reach the environment (no connection): a minute of it pauses a job. */
  unreachable: boolean;
  /** 401/403: the environment refuses the console's key; a running job pauses for an administrator. */
  keyRefused: boolean;
  /** A 429: the registration was not processed, so it is sent again without a look-up. */
  notProcessed: boolean;
}

export type LookupResult = { kind: 'found'; registrationKey: string } | { kind: 'not_found' } | Undecided;

export type SendResult =
  | { kind: 'registered'; registrationKey: string; httpStatus: number; similarFaces: number | null }
  | { kind: 'refused'; refusalTitle: string; imageStatus: string | null; description: string; httpStatus: number }
  | Undecided;

/** QI Tech's form of a CPF (`123.456.789-09`), for its paths and bodies. */
function maskedCpf(cpf: string): string {
  return maskCpf(cpfDigits(cpf) ?? '');
}

function undecided(reason: string, more: Partial<Undecided> = {}): Undecided {
  return {
    kind: 'undecided',
    reason,
    slowDown: false,
    retryAfter: undefined,
    unreachable: false,
    keyRefused: false,
    notProcessed: false,
    ...more,
  };
}

/** What any status says before the call's own meaning: 401/403, 429, 503. */
function common(answer: UpstreamAnswer): Undecided | undefined {
  const { status } = answer;
  if (status === 401 || status === 403) return undecided(`HTTP ${String(status)}`, { keyRefused: true, notProcessed: true });
  if (status === 429) {
    return undecided('HTTP 429', { slowDown: true, retryAfter: retryAfterOf(answer.body), notProcessed: true });
  }
  if (status === 503) return undecided('HTTP 503', { slowDown: true, retryAfter: retryAfterOf(answer.body) });
  return undefined;
}

async function call(environment: Environment, method: 'GET' | 'POST', path: string, body?: unknown): Promise<UpstreamAnswer | Undecided> {
  try {
    return await environment.upstream.call(method, path, body);
  } catch (error) {
    // Anything else thrown (the in-process emulator closing with the server…) is as unknown an outcome as a cut connection.
    if (!(error instanceof UpstreamFault)) return undecided('failed');
    return undecided(error.kind, { unreachable: error.kind === 'unreachable' });
  }
}

/** GET …/registration/document_number/{cpf}: 200 with a key is a registration, 404 none; the rest decides nothing. */
export async function lookUpCpf(environment: Environment, cpf: string): Promise<LookupResult> {
  const answer = await call(environment, 'GET', `/face_recognition/registration/document_number/${encodeURIComponent(maskedCpf(cpf))}`);
  if ('kind' in answer) return answer;
  const known = common(answer);
  if (known !== undefined) return known;
  if (answer.status === 404) return { kind: 'not_found' };
  if (answer.status === 200) {
    const parsed = registrationAnswerSchema.safeParse(answer.body);
    if (parsed.success) return { kind: 'found', registrationKey: parsed.data.registration_key };
  }
  return undecided(`HTTP ${String(answer.status)}`);
}

/**
 * POST /face_recognition/registration. A 2xx that fits is the registration; QI Tech's own 4xx
 * refusal is the row's outcome; everything else (5xx, a fault, an answer that does not fit) may
 * have registered it: undecided, and looked up before it is ever sent again.
 */
export async function register(environment: Environment, cpf: string, photo: Buffer): Promise<SendResult> {
  const answer = await call(environment, 'POST', '/face_recognition/registration', {
    document_number: maskedCpf(cpf),
    image: photo.toString('base64'),
  });
  if ('kind' in answer) return answer;
  const known = common(answer);
  if (known !== undefined) return known;
  const { status } = answer;
  if (status >= 200 && status < 300) {
    const parsed = registrationAnswerSchema.safeParse(answer.body);
    if (!parsed.success) return undecided(`HTTP ${String(status)} unexpected`);
    const duplicates = parsed.data.duplicate_faces;
    return {
      kind: 'registered',
      registrationKey: parsed.data.registration_key,
      httpStatus: status,
      similarFaces: duplicates === undefined ? null : duplicates.length,
    };
  }
  if (status >= 400 && status < 500) {
    const parsed = upstreamErrorBodySchema.safeParse(answer.body);
    return parsed.success
      ? {
          kind: 'refused',
          refusalTitle: parsed.data.title,
          imageStatus: parsed.data.image_status ?? null,
          // An upstream that echoes headers must not put the key in a row's results.
          description: environment.upstream.conceal(parsed.data.description),
          httpStatus: status,
        }
      : {
          // A 4xx is a refusal of the request, whatever its body: sending it again would be refused again.
          kind: 'refused',
          refusalTitle: 'unexpected_refusal',
          imageStatus: null,
          description: `The ${environment.name} face recognition service refused the registration (HTTP ${String(status)}) without saying why in its usual form.`,
          httpStatus: status,
        };
  }
  return undecided(`HTTP ${String(status)}`);
}
