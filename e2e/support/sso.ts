import type { Role } from '../../contract/access.ts';
import { port } from './upstreams.ts';

/**
 * Single sign-on in the end-to-end run: the identity provider of support/oidc-provider.ts (port
 * E2E_PORT + 6, past the stand-ins' +1 to +3, with +4 and +5 left to more consoles of the run;
 * named `localhost` so that it is another site than the console), the console's settings for it,
 * and its people: one per role, in the role's group, and one in no mapped group.
 */
export const sso = {
  port: port + 6,
  issuer: `http://localhost:${String(port + 6)}`,
  clientId: 'face-console-e2e',
  clientSecret: 'e2e-client-secret',
  providerName: 'Loopback ID',
  roleMap: 'face-admins:admin,face-desk:registrar,face-support:support,face-qa:qa:local+sandbox',
  /** The login typed on the provider's page → the console name and the groups it sends. */
  people: {
    carla: { name: 'carla.admin', groups: ['face-admins'], role: 'admin' },
    davi: { name: 'davi.desk', groups: ['face-desk', 'staff'], role: 'registrar' },
    sara: { name: 'sara.support', groups: ['face-support'], role: 'support' },
    quim: { name: 'quim.qa', groups: ['face-qa'], role: 'qa' },
    otto: { name: 'otto.outsider', groups: ['marketing'], role: undefined },
  } satisfies Record<string, { name: string; groups: string[]; role: Role | undefined }>,
} as const;

/** The console's settings for the provider, as a deployment writes them. */
export const ssoSettings = {
  OIDC_ISSUER: sso.issuer,
  OIDC_CLIENT_ID: sso.clientId,
  OIDC_CLIENT_SECRET: sso.clientSecret,
  OIDC_ROLE_MAP: sso.roleMap,
  OIDC_SCOPES: 'openid profile email groups',
  OIDC_PROVIDER_NAME: sso.providerName,
  PUBLIC_URL: `http://127.0.0.1:${String(port)}`,
};
