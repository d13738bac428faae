import type { FastifyInstance, InjectOptions } from 'fastify';
import { onTestFinished, describe, expect, it } from 'vitest';
import { CONSENT_HEADER } from '../../contract/access.ts';
import type { Account } from '../../contract/access.ts';
import { CONSENT_TERM } from '../../contract/consent.ts';
import { registrationOriginSchema } from '../../contract/registration-origin.ts';
import { CPF_A, CPF_B, buildTestApp, fixtureBase64, json, logIn, refusal } from './helper.ts';
import { misbehavingUpstream } from './misbehaving-upstream.ts';

const FACE = fixtureBase64('face-single-centered.jpg');
/** The key production's stand-in gives every registration. */
const PRODUCTION_KEY = '6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4';

const ACCOUNTS: Account[] = [
  { name: 'ana.registrar', role: 'registrar', environments: null },
  { name: 'sol.support', role: 'support', environments: null },
  { name: 'qa-1', role: 'qa', environments: null },
  { name: 'support-local', role: 'support', environments: ['local'] },
  { name: 'admin-1', role: 'admin', environments: null },
];

/** A production whose QI Tech registers anything, answering PRODUCTION_KEY in capitals. */
async function productionUpstream(): Promise<string> {
  const upstream = await misbehavingUpstream((_request, response) => {
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ registration_key: PRODUCTION_KEY.toUpperCase() }));
  });
  onTestFinished(() => upstream.close());
  return upstream.url;
}

async function consoleApp(): Promise<FastifyInstance> {
  return buildTestApp({ production: { url: await productionUpstream(), apiKey: 'k' } }, undefined, undefined, {
    loginAs: false,
    accounts: ACCOUNTS,
  });
}

async function as(app: FastifyInstance, name: string | undefined) {
  const cookie = name === undefined ? undefined : await logIn(app, name);
  return (options: InjectOptions) =>
    app.inject({
      ...options,
      headers: { ...(cookie === undefined ? {} : { cookie }), [CONSENT_HEADER]: CONSENT_TERM.version, ...options.headers },
    });
}

type Call = Awaited<ReturnType<typeof as>>;

async function register(call: Call, env: string, cpf: string): Promise<string> {
  const response = await call({
    method: 'POST',
    url: `/api/${env}/face_recognition/registration`,
    payload: { document_number: cpf, image: FACE },
  });
  expect(response.statusCode, response.body).toBe(201);
  return json(response).registration_key as string;
}

const origin = (env: string, key: string): InjectOptions => ({ method: 'GET', url: `/api/registrations/${env}/${key}/origin` });

describe('GET /api/registrations/{env}/{key}/origin', () => {
  it('answers when and by whom the console made a registration, to a support agent too', async () => {
    const app = await consoleApp();
    const registrar = await as(app, 'ana.registrar');
    const before = new Date().toISOString();
    const key = await register(registrar, 'local', CPF_A);
    const after = new Date().toISOString();

    const support = await as(app, 'sol.support');
    // The support agent may not read the trail, but may learn this much of it.
    refusal(await support({ method: 'GET', url: '/api/admin/audit' }), 403, 'forbidden');
    const response = await support(origin('local', key));
    expect(response.statusCode).toBe(200);
    const body = registrationOriginSchema.parse(json(response));
    expect(Object.keys(json(response)).sort()).toEqual(['environment', 'registered_at', 'registered_by']);
    expect(body).toMatchObject({ environment: 'local', registered_by: 'ana.registrar' });
    expect(body.registered_at >= before && body.registered_at <= after).toBe(true);
    // The key in capitals is the same key.
    expect(json(await support(origin('local', key.toUpperCase())))).toEqual(body);
  });

  it('finds a key the upstream wrote in capitals, in its own environment only', async () => {
    const app = await consoleApp();
    const registrar = await as(app, 'ana.registrar');
    expect(await register(registrar, 'production', CPF_B)).toBe(PRODUCTION_KEY.toUpperCase());
    expect(json(await registrar(origin('production', PRODUCTION_KEY)))).toMatchObject({
      environment: 'production',
      registered_by: 'ana.registrar',
    });
    // The same key means nothing in another environment.
    refusal(await registrar(origin('local', PRODUCTION_KEY)), 404, 'registration_origin_not_found');
  });

  it('answers 404 for a registration the console did not make, and for a key only looked up or refused', async () => {
    const app = await consoleApp();
    const registrar = await as(app, 'ana.registrar');
    // Made directly in the emulator, as another system would: not through the console.
    const direct = await app.inject({
      method: 'POST',
      url: '/emulator/face_recognition/registration',
      payload: { document_number: CPF_B, image: FACE },
    });
    expect(direct.statusCode).toBe(201);
    const elsewhere = json(direct).registration_key as string;
    // Looked up through the console: a lookup_key entry with that key, which is no registration.
    expect((await registrar({ method: 'GET', url: `/api/local/face_recognition/registration/${elsewhere}` })).statusCode).toBe(200);
    const body = refusal(await registrar(origin('local', elsewhere)), 404, 'registration_origin_not_found');
    expect(body.description).toContain('made elsewhere');

    // A registration refused (no consent) leaves no key behind.
    const refused = await registrar({
      method: 'POST',
      url: '/api/local/face_recognition/registration',
      payload: { document_number: CPF_A, image: FACE },
      headers: { [CONSENT_HEADER]: 'none' },
    });
    refusal(refused, 400, 'consent_required');
    refusal(await registrar(origin('local', '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11')), 404, 'registration_origin_not_found');
  });

  it('refuses bad input with 400 and what to send, never a 5xx', async () => {
    const app = await consoleApp();
    const registrar = await as(app, 'ana.registrar');
    const key = await register(registrar, 'local', CPF_A);
    const cases: [string, number, string][] = [
      [`/api/registrations/staging/${key}/origin`, 400, 'invalid_environment'],
      [`/api/registrations/LOCAL/${key}/origin`, 400, 'invalid_environment'],
      [`/api/registrations/${encodeURIComponent('local; DROP TABLE audit')}/${key}/origin`, 400, 'invalid_environment'],
      ['/api/registrations/local/not-a-key/origin', 400, 'invalid_registration_key'],
      [`/api/registrations/local/${key}x/origin`, 400, 'invalid_registration_key'],
      [`/api/registrations/local/${encodeURIComponent(`${key}' OR '1'='1`)}/origin`, 400, 'invalid_registration_key'],
      ['/api/registrations/local/%E0%A4%A/origin', 400, 'invalid_url'],
    ];
    for (const [url, status, title] of cases) {
      const body = refusal(await registrar({ method: 'GET', url }), status, title);
      expect(Object.keys(body).sort()).toEqual(['description', 'title']);
    }
    expect(
      refusal(await registrar({ method: 'GET', url: `/api/registrations/staging/${key}/origin` }), 400, 'invalid_environment').description,
    ).toBe('"staging" is not an environment: use local, sandbox, production.');
    // Longer than any key: refused by the router, still as JSON and not a 5xx.
    const long = await registrar({ method: 'GET', url: `/api/registrations/local/${'a'.repeat(300)}/origin` });
    expect(long.statusCode).toBeGreaterThanOrEqual(400);
    expect(long.statusCode).toBeLessThan(500);
    expect(typeof json(long).description).toBe('string');
    // Only GET.
    const post = await registrar({ method: 'POST', url: `/api/registrations/local/${key}/origin`, payload: {} });
    refusal(post, 405, 'method_not_allowed');
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('refuses the anonymous, and accounts that may not look up in that environment (audited)', async () => {
    const app = await consoleApp();
    const key = await register(await as(app, 'ana.registrar'), 'production', CPF_A);
    // Nobody logged in learns nothing, not even whether an environment name is valid.
    const anonymous = await as(app, undefined);
    refusal(await anonymous(origin('production', key)), 401, 'not_authenticated');
    refusal(await anonymous(origin('staging', key)), 401, 'not_authenticated');
    // QA never works in production; this support agent only in local.
    refusal(await (await as(app, 'qa-1'))(origin('production', key)), 403, 'environment_forbidden');
    refusal(await (await as(app, 'support-local'))(origin('production', key)), 403, 'environment_forbidden');
    expect((await (await as(app, 'sol.support'))(origin('production', key))).statusCode).toBe(200);
    expect((await (await as(app, 'admin-1'))(origin('production', key))).statusCode).toBe(200);

    const admin = await as(app, 'admin-1');
    const { entries } = json(await admin({ method: 'GET', url: '/api/admin/audit?action=access_refused' })) as {
      entries: { actor: string; environment: string | null; outcome: string; status: number }[];
    };
    expect(entries.map(({ actor, environment, outcome, status }) => ({ actor, environment, outcome, status }))).toEqual([
      { actor: 'support-local', environment: 'production', outcome: 'environment_forbidden', status: 403 },
      { actor: 'qa-1', environment: 'production', outcome: 'environment_forbidden', status: 403 },
    ]);
  });
});
