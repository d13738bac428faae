// A real OpenID Connect provider on loopback for the single sign-on tests: oidc-provider with its
// development login and consent pages, code + PKCE, the person's groups in the ID token. The
// console under test is its relying party, exactly as with Entra ID, Google or Keycloak.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Configuration } from 'oidc-provider';
import { onTestFinished } from 'vitest';

/** A person the provider knows: logs in on its development page with `login` (any password). */
interface ProviderUser {
  preferred_username?: string;
  email?: string;
  name?: string;
  groups?: string[];
}

export const PROVIDER_CLIENT = { id: 'face-console', secret: 'a-client-secret-for-the-tests' } as const;

/** The people of the tests, and the groups the console's test role map knows. */
const PROVIDER_USERS: Record<string, ProviderUser> = {
  ana: { preferred_username: 'ana.admin', email: 'ana@example.com', name: 'Ana', groups: ['face-admins', 'staff'] },
  rui: { preferred_username: 'rui.desk', email: 'rui@example.com', name: 'Rui', groups: ['face-desk'] },
  sol: { preferred_username: 'sol.support', email: 'sol@example.com', name: 'Sol', groups: ['face-support'] },
  quim: { preferred_username: 'quim.qa', email: 'quim@example.com', name: 'Quim', groups: ['face-qa'] },
  // Outside every mapped group.
  eva: { preferred_username: 'eva.outsider', email: 'eva@example.com', name: 'Eva', groups: ['marketing'] },
};

/** OIDC_ROLE_MAP of the tests: the first entry whose group the person is in decides. */
export const TEST_ROLE_MAP = 'face-admins:admin,face-desk:registrar,face-support:support,face-qa:qa:local+sandbox';

/** The ID token's claims as the provider signed them, for a test to send another version of. */
export type IdTokenClaims = Record<string, unknown>;

export interface LoopbackProvider {
  issuer: string;
  users: Record<string, ProviderUser>;
  /** Rewrites the next ID tokens the token endpoint sends (until unset): the token as the provider made it in, another out. */
  rewriteIdToken: ((idToken: string) => string) | undefined;
  /** A JWT signed by the provider's own key (its `kid`), with these claims: a token the provider could have sent. */
  signWithProviderKey(claims: IdTokenClaims): string;
  /** A JWT signed by a key the provider never published. */
  signWithUnknownKey(claims: IdTokenClaims): string;
  close(): Promise<void>;
}

/** The claims of a JWT (not checked: the tests only rewrite tokens the provider made). */
export function jwtClaims(token: string): IdTokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as IdTokenClaims;
}

function signJwt(claims: IdTokenClaims, key: KeyObject, kid: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

function rsaKey(): { privateKey: KeyObject; kid: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = createHash('sha256')
    .update(privateKey.export({ format: 'jwk' }).n ?? '')
    .digest('base64url')
    .slice(0, 16);
  return { privateKey, kid };
}

export interface ProviderOptions {
  /** The console's public address: its callback and post-logout addresses are registered with the provider. */
  publicUrl: string;
  users?: Record<string, ProviderUser>;
  /** The ID token's lifetime, in seconds (default an hour). */
  idTokenTtl?: number;
  /** A port of its own (default: any free one). */
  port?: number;
}

/** Starts the provider on 127.0.0.1, closed when the test ends. */
export async function startLoopbackProvider(options: ProviderOptions): Promise<LoopbackProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  // A copy of its own: a test changes a person's groups at its provider only.
  const users = structuredClone(options.users ?? PROVIDER_USERS);
  const own = rsaKey();
  const stranger = rsaKey();
  const configuration: Configuration = {
    clients: [
      {
        client_id: PROVIDER_CLIENT.id,
        client_secret: PROVIDER_CLIENT.secret,
        redirect_uris: [`${options.publicUrl}/api/auth/oidc/callback`],
        post_logout_redirect_uris: [`${options.publicUrl}/login`],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...own.privateKey.export({ format: 'jwk' }), kid: own.kid, alg: 'RS256', use: 'sig' }] as never },
    // Development login (any password) and consent pages; RP-initiated logout.
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    // The groups scope puts the groups claim in the ID token itself (not only in userinfo).
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
    conformIdTokenClaims: false,
    ttl: { IdToken: options.idTokenTtl ?? 3600 },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: (_context, id) => {
      const user = users[id];
      if (user === undefined) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...user }) };
    },
  };
  const provider = new Provider(issuer, configuration);
  const loopback: LoopbackProvider = {
    issuer,
    users,
    rewriteIdToken: undefined,
    signWithProviderKey: (claims) => signJwt(claims, own.privateKey, own.kid),
    signWithUnknownKey: (claims) => signJwt(claims, stranger.privateKey, stranger.kid),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
  // Koa middleware: after the token endpoint made its answer, the ID token a test wants instead.
  provider.use(async (context, next) => {
    await next();
    const body = context.body as { id_token?: unknown } | undefined;
    if (context.path === '/token' && loopback.rewriteIdToken !== undefined && typeof body?.id_token === 'string') {
      body.id_token = loopback.rewriteIdToken(body.id_token);
    }
  });
  const handle = provider.callback();
  server.on('request', (request, response) => {
    void handle(request, response);
  });
  onTestFinished(() => loopback.close());
  return loopback;
}

/** Cookies of one browser at the provider: what it set, sent back to it. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

const decodeHtml = (text: string) =>
  text.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#x2F;', '/').replaceAll('&#39;', "'");

/** The first form of a page: where it posts, and its hidden fields. */
function formOf(html: string, base: string): { action: string; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (form === null) throw new Error(`no form on the provider's page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? '').matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
    if (name !== undefined) fields[name] = decodeHtml(value);
  }
  return { action: new URL(decodeHtml(form[1] ?? ''), base).href, fields };
}

/**
 * A browser at the provider, driven with fetch: from the authorization URL the console sent it to,
 * through the development login (`login`, any password) and consent pages, to the address the
 * provider redirects back to (the console's callback, with its code and state), which is returned
 * without being followed. One jar per browser: a second login of the same browser finds its
 * session at the provider and skips the login page.
 */
export async function browseProvider(startUrl: string, login: string, publicUrl: string, jar = new CookieJar()): Promise<string> {
  let url = startUrl;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step += 1) {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as object), cookie: jar.header() } });
    jar.keep(response);
    if (response.status >= 300 && response.status < 400) {
      const location = new URL(response.headers.get('location') ?? '', url).href;
      if (location.startsWith(publicUrl)) return location;
      url = location;
      init = {};
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`the provider answered ${String(response.status)} at ${url}: ${html.slice(0, 300)}`);
    const { action, fields } = formOf(html, url);
    const body = new URLSearchParams(fields);
    if (fields.prompt === 'login') {
      body.set('login', login);
      body.set('password', 'any password');
    }
    // The provider's "sign out?" page: its "Yes, sign me out" button.
    if (html.includes('name="logout"')) body.set('logout', 'yes');
    url = action;
    init = { method: 'POST', body: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }
  throw new Error('the provider never sent the browser back to the console');
}
