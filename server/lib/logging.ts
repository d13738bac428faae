import type { FastifyRequest } from 'fastify';

/**
 * A digit, as it is or percent-encoded (once or more: `5`, `%35`, `%2535`), and a separator people
 * or encoders put between a CPF's digits (`.`, `-`, a space, `+`, `_`, `,`, or their escapes).
 */
const DIGIT = String.raw`(?:\d|%(?:25)*3\d)`;
const SEPARATOR = String.raw`(?:[.\-\s+_,]|%(?:25)*(?:2[0BbCcDdEe]|5[Ff]))`;
/** A registration or image key: hex digits, never a CPF, kept so that support can find it in the logs. */
const UUID = String.raw`\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b`;
/**
 * Eleven digits or more in a row, a separator allowed between any two: every way a CPF is written
 * (`52998224725`, `529.982.247-25`) or encoded (`529%2E982%2E247%2D25`, `%35%32…`). Longer runs
 * are masked whole: a CPF inside a longer number is still a CPF.
 */
const CPF_LIKE = new RegExp(`(${UUID})|${DIGIT}(?:${SEPARATOR}?${DIGIT}){10,}`, 'g');

/** Masks every CPF-like run of digits in a text: `[CPF]`. */
function redactCpfs(text: string): string {
  return text.replace(CPF_LIKE, (match, uuid: string | undefined) => (uuid === undefined ? '[CPF]' : match));
}

/** Undoes ASCII percent-escapes, repeatedly (an address may be encoded twice), for checking only. */
function percentDecoded(text: string): string {
  let current = text;
  for (let i = 0; i < 4; i += 1) {
    const next = current.replace(/%([0-7][0-9A-Fa-f])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * An address as it may be logged: what follows a `document_number` segment (spelt plainly or
 * percent-encoded) is `[redacted]`, whatever it holds, as are single sign-on's `code`, `state`
 * (and `session_state`, `id_token_hint`) query values; every CPF-like run of digits in the path
 * and the query — the audit's `cpf=` filter, the SPA's `/lookup/document/…` links, `/login?next=…` —
 * is `[CPF]`. The rest stays as it was sent.
 */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i += 1) {
    if (percentDecoded(segments[i - 1] ?? '') === 'document_number') segments[i] = '[redacted]';
  }
  const search = query === -1 ? '' : url.slice(query).replace(SSO_SECRETS, '$1=[redacted]');
  return redactCpfs(`${segments.join('/')}${search}`);
}

/**
 * What single sign-on's callback carries in its query (the authorization code, the state that
 * binds it to a browser) and its logout address (the ID token): never in a log.
 */
const SSO_SECRETS = /(?<=[?&])(code|state|session_state|id_token_hint)=[^&#]*/g;

/** A JSON string literal of a log line, its CPF-like runs masked (numbers of the line untouched). */
const JSON_STRING = /"(?:[^"\\]|\\.)*"/g;

/**
 * The last line of defence, on every line as written: CPF-like runs in any string of the line are
 * masked, wherever a URL was logged (Fastify's own messages such as "Route … not found", errors
 * whose message quotes an address, a plugin's log).
 */
function redactLogLine(line: string): string {
  // Most strings of a line are short words: only one with room for eleven digits is searched.
  return line.replace(JSON_STRING, (literal) => (literal.length < 13 || !/\d/.test(literal) ? literal : redactCpfs(literal)));
}

/**
 * Logger options for every server of this project. Bodies (pictures, CPFs) are never logged;
 * request lines carry the redacted address only, and no headers (the Authorization key); and no
 * line leaves with a CPF in it.
 */
export function loggerOptions(level: string) {
  return {
    level,
    serializers: {
      req: (request: FastifyRequest) => ({ method: request.method, url: redactUrl(request.url), remoteAddress: request.ip }),
    },
    hooks: { streamWrite: redactLogLine },
  };
}
