// The end-to-end run's identity provider: oidc-provider on loopback, with its own development login
// and consent pages, in a process of its own (a webServer of playwright.config.ts). The console is
// its relying party, configured as a deployment would be (OIDC_* and PUBLIC_URL); its address is
// `localhost`, the console's `127.0.0.1`: another site, as a real provider is.
//   node --import tsx e2e/support/oidc-provider.ts
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { sso } from './sso.ts';
import { port } from './upstreams.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const provider = new Provider(sso.issuer, {
  clients: [
    {
      client_id: sso.clientId,
      client_secret: sso.clientSecret,
      redirect_uris: [`http://127.0.0.1:${String(port)}/api/auth/oidc/callback`],
      post_logout_redirect_uris: [`http://127.0.0.1:${String(port)}/login`],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'e2e', alg: 'RS256', use: 'sig' }] as never },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  // The groups scope puts the person's groups in the ID token itself.
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
  conformIdTokenClaims: false,
  cookies: { keys: [randomBytes(16).toString('hex')] },
  findAccount: (_context, id) => {
    if (!Object.hasOwn(sso.people, id)) return undefined;
    const person = sso.people[id as keyof typeof sso.people];
    return {
      accountId: id,
      claims: () => ({ sub: id, preferred_username: person.name, email: `${person.name}@example.com`, groups: [...person.groups] }),
    };
  },
});
const handle = provider.callback();
createServer((request, response) => {
  void handle(request, response);
}).listen(sso.port, '127.0.0.1');
