import { createHmac, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import { accountNameSchema } from '../../contract/access.ts';
import type { SsoError } from '../../contract/access-admin.ts';
import type { OidcSettings, RoleMapEntry } from '../config.ts';

/*
 * The console as an OpenID Connect relying party (decision 012): authorization code with PKCE,
 * `state` and `nonce`, the ID token checked by openid-client (issuer, audience, expiry, nonce, and
 * its signature by the provider's published keys). The provider's metadata is discovered on first
 * use, not at start: a provider down never keeps the console (and its local accounts) from starting.
 */

/** The path the provider sends the browser back to, under PUBLIC_URL. */
export const CALLBACK_PATH = '/api/auth/oidc/callback';

/** The cookie that carries a login's state, nonce and PKCE verifier from the start to the callback. */
export const TRANSACTION_COOKIE = 'frc_oidc';

/** How long a person may take at the provider before the console forgets the login it started. */
export const TRANSACTION_TTL_MS = 10 * 60_000;

/** How long a call to the provider may take (discovery, keys, the token endpoint), in seconds. */
const PROVIDER_TIMEOUT_S = 10;

/** The provider's metadata is read again after this long (new endpoints, or a provider back up). */
const DISCOVERY_TTL_MS = 24 * 3_600_000;

/** What travels in the transaction cookie, signed: never trusted unless its signature holds. */
export interface Transaction {
  state: string;
  nonce: string;
  verifier: string;
  /** Where the person goes once logged in: a path of this console. */
  next: string;
  /** When the login started (ms). */
  at: number;
}

/** A login the console refused, with the reason the audit trail and the login page's sentence use. */
export class SsoRefusal extends Error {
  readonly reason: SsoError;
  /** The account's name when the refusal is about a known person. */
  readonly actor: string | null;

  constructor(reason: SsoError, detail: string, actor: string | null = null) {
    super(detail);
    this.name = 'SsoRefusal';
    this.reason = reason;
    this.actor = actor;
  }
}

/** The person as the provider's checked ID token says. */
interface ProviderPerson {
  /** `<issuer> <sub>`: what finds the account again at every login. */
  subject: string;
  /** The console name a new account gets. */
  name: string;
  groups: string[];
  /**
   * The provider left the groups out because the person is in too many ("group overage": Entra ID
   * past 200 groups sends `_claim_names` pointing at Microsoft Graph instead of the claim).
   */
  groupsOverage: boolean;
  /** The ID token's `exp`, in ms. */
  expiresAt: number;
  idToken: string;
}

/** Where `next` may lead after a login: a page of this console, never another site nor the API. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return '/';
  // A path of this origin: one slash (two, or a backslash, would name another host), no control characters.
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /\p{Cc}/u.test(next)) return '/';
  if (next === '/api' || next.startsWith('/api/')) return '/';
  return next;
}

/** The signed value of the transaction cookie: base64url JSON, a dot, its HMAC-SHA-256. */
export function sealTransaction(key: Buffer, transaction: Transaction): string {
  const body = Buffer.from(JSON.stringify(transaction)).toString('base64url');
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

/** The transaction of a cookie, if its signature holds and it is not older than TRANSACTION_TTL_MS. */
export function openTransaction(key: Buffer, value: string | undefined, now = Date.now()): Transaction | undefined {
  if (value === undefined) return undefined;
  const [body = '', signature = ''] = value.split('.');
  const expected = createHmac('sha256', key).update(body).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString()) as Partial<Transaction>;
    const { state, nonce, verifier, next, at } = parsed;
    if (typeof state !== 'string' || typeof nonce !== 'string' || typeof verifier !== 'string' || typeof at !== 'number') return undefined;
    if (now - at > TRANSACTION_TTL_MS || at > now + 60_000) return undefined;
    return { state, nonce, verifier, next: safeNext(next), at };
  } catch {
    return undefined;
  }
}

/** The key that signs transaction cookies, derived from the session cookies' secret. */
export function transactionKey(sessionSecret: string): Buffer {
  return createHmac('sha256', sessionSecret).update('frc oidc transaction').digest();
}

/** The groups a claim's value lists: a list of strings, or one string; anything else lists none. */
function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === 'string');
  return [];
}

/** Whether an OpenID Connect `_claim_names` (distributed claims) names this claim: its value is elsewhere. */
function claimNamed(claimNames: unknown, claim: string): boolean {
  return typeof claimNames === 'object' && claimNames !== null && Object.hasOwn(claimNames, claim);
}

/** The first entry of the role map whose group the person is in (the map is written most powerful first). */
export function mapGroups(roleMap: readonly RoleMapEntry[], groups: readonly string[]): RoleMapEntry | undefined {
  return roleMap.find((entry) => groups.includes(entry.group));
}

/** The console name of a new account: the first of preferred_username, email and sub that is a valid name. */
function accountName(claims: client.IDToken): string | undefined {
  for (const claim of [claims.preferred_username, claims.email, claims.sub]) {
    const parsed = accountNameSchema.safeParse(claim);
    if (typeof claim === 'string' && parsed.success) return parsed.data;
  }
  return undefined;
}

/** Whether an error is the provider not answering (refused, reset, timed out, unknown host), as against a wrong answer. */
function isUnreachable(error: unknown): boolean {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause.name === 'AbortError' || cause.name === 'TimeoutError') return true;
    if (cause instanceof TypeError && cause.message === 'fetch failed') return true;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|UND_ERR_)/.test(code))
      return true;
  }
  return false;
}

/** Reads an openid-client error as one of the refusals the console tells apart. */
function refusalOf(error: unknown): SsoRefusal {
  if (error instanceof SsoRefusal) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (isUnreachable(error)) return new SsoRefusal('provider_unavailable', `the provider did not answer: ${detail}`);
  if (error instanceof client.AuthorizationResponseError) {
    return new SsoRefusal(
      'provider_error',
      `the provider answered ${error.error}${error.error_description === undefined ? '' : `: ${error.error_description}`}`,
    );
  }
  if (error instanceof client.ResponseBodyError) {
    // invalid_grant: the code was used already, expired, or issued to another client or verifier.
    if (error.error === 'invalid_grant') return new SsoRefusal('code_rejected', `the token endpoint refused the code: ${detail}`);
    return new SsoRefusal('misconfigured', `the token endpoint answered ${error.error}: ${detail}`);
  }
  // The provider's metadata does not fit (an issuer that differs from OIDC_ISSUER, an endpoint missing).
  const code = (error as { code?: unknown }).code;
  if (
    code === 'OAUTH_INVALID_SERVER_METADATA' ||
    code === 'OAUTH_MISSING_SERVER_METADATA' ||
    code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED'
  ) {
    return new SsoRefusal('misconfigured', `the provider's metadata does not fit: ${detail}`);
  }
  // The rest is the ID token or the answer failing a check: issuer, audience, expiry, nonce, signature, key.
  return new SsoRefusal('token_rejected', `the provider's answer failed a check (${String(code)}): ${detail}`);
}

/** Discovery failed: the provider down (no answer, or a 5xx), else a metadata that does not fit the settings. */
function discoveryRefusal(error: unknown): SsoRefusal {
  const detail = error instanceof Error ? error.message : String(error);
  const status = error instanceof Error && error.cause instanceof Response ? error.cause.status : undefined;
  if (isUnreachable(error) || (status !== undefined && status >= 500)) {
    return new SsoRefusal('provider_unavailable', `the provider's discovery document could not be read: ${detail}`);
  }
  return new SsoRefusal('misconfigured', `the provider's discovery document does not fit OIDC_ISSUER: ${detail}`);
}

export interface RelyingParty {
  readonly settings: OidcSettings;
  /** The redirect URI registered at the provider: `<PUBLIC_URL>/api/auth/oidc/callback`. */
  readonly redirectUri: string;
  /** A new login: its transaction (for the cookie) and the provider's address to send the browser to. */
  begin(next: string): Promise<{ transaction: Transaction; url: string }>;
  /** The callback's query checked against its transaction, the code exchanged, the ID token checked: the person. */
  finish(query: string, transaction: Transaction): Promise<ProviderPerson>;
  /** The provider's logout address for this ID token, when it publishes one (RP-initiated logout); undefined otherwise. */
  endSessionUrl(idToken: string): Promise<string | undefined>;
}

export function relyingParty(settings: OidcSettings): RelyingParty {
  const redirectUri = `${settings.publicUrl}${CALLBACK_PATH}`;
  let discovered: { at: number; configuration: Promise<client.Configuration> } | undefined;

  const configuration = (): Promise<client.Configuration> => {
    if (discovered === undefined || Date.now() - discovered.at > DISCOVERY_TTL_MS) {
      const issuer = new URL(settings.issuer);
      const pending = client
        .discovery(issuer, settings.clientId, { client_secret: settings.clientSecret }, client.ClientSecretBasic(settings.clientSecret), {
          timeout: PROVIDER_TIMEOUT_S,
          // The ID token's signature is checked against the provider's keys (jwks_uri), not only trusted from TLS.
          execute: [
            client.enableNonRepudiationChecks,
            // eslint-disable-next-line @typescript-eslint/no-deprecated -- plain HTTP only for a provider on loopback (config.ts): the tests'
            ...(issuer.protocol === 'http:' ? [client.allowInsecureRequests] : []),
          ],
        })
        .then((found) => {
          found.timeout = PROVIDER_TIMEOUT_S;
          return found;
        });
      discovered = { at: Date.now(), configuration: pending };
      // A failure is not kept: the next login tries again.
      pending.catch(() => {
        if (discovered?.configuration === pending) discovered = undefined;
      });
    }
    return discovered.configuration;
  };

  return {
    settings,
    redirectUri,
    async begin(next) {
      let config: client.Configuration;
      try {
        config = await configuration();
      } catch (error) {
        throw discoveryRefusal(error);
      }
      const transaction: Transaction = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        next: safeNext(next),
        at: Date.now(),
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: settings.scopes,
        response_type: 'code',
        state: transaction.state,
        nonce: transaction.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(transaction.verifier),
        code_challenge_method: 'S256',
      });
      return { transaction, url: url.href };
    },
    async finish(query, transaction) {
      const params = new URLSearchParams(query);
      // Checked here too (openid-client checks it again): a state of another login is said as such.
      if (params.get('state') !== transaction.state) {
        throw new SsoRefusal('state_mismatch', "the callback's state is not the one of the login this browser started");
      }
      try {
        const config = await configuration();
        // The URL the provider redirected to, as PUBLIC_URL names it (whatever proxy is in between).
        const tokens = await client.authorizationCodeGrant(config, new URL(`${redirectUri}?${params.toString()}`), {
          pkceCodeVerifier: transaction.verifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (claims === undefined || tokens.id_token === undefined) throw new SsoRefusal('token_rejected', 'the provider sent no ID token');
        const name = accountName(claims);
        if (name === undefined) {
          throw new SsoRefusal(
            'no_usable_name',
            'none of preferred_username, email and sub is a valid console name (2 to 64 of a-z 0-9 . _ @ -)',
          );
        }
        return {
          subject: `${claims.iss} ${claims.sub}`,
          name,
          groups: groupsOf(claims[settings.groupsClaim]),
          groupsOverage: claims[settings.groupsClaim] === undefined && claimNamed(claims._claim_names, settings.groupsClaim),
          expiresAt: claims.exp * 1000,
          idToken: tokens.id_token,
        };
      } catch (error) {
        throw refusalOf(error);
      }
    },
    async endSessionUrl(idToken) {
      const config = await configuration().catch(() => undefined);
      if (config?.serverMetadata().end_session_endpoint === undefined) return undefined;
      return client.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: `${settings.publicUrl}/login`,
      }).href;
    },
  };
}
