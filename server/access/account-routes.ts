import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { accountChangeSchema, newAccountSchema, signInSettingSchema } from '../../contract/access-admin.ts';
import type { Account } from '../../contract/access.ts';
import { Problem, methodNotAllowed, parseOrRefuse, requireBody } from '../lib/problem.ts';
import { requireAdmin } from './guard.ts';
import type { AccessGuard } from './guard.ts';
import { roleMapText } from '../config.ts';
import type { RelyingParty } from './oidc.ts';
import { hashPassword } from './passwords.ts';
import { publicAccount } from './sessions.ts';
import type { AccessStore } from './store.ts';

/** /api/admin/accounts: list, create, change (role, environments, password, disabled). Admins only. */
export const accountRoutes: FastifyPluginCallback<{ store: AccessStore; guard: AccessGuard; rp: RelyingParty | undefined }> = (
  app,
  { store, guard, rp },
  done,
) => {
  app.get('/admin/accounts', async (request) => {
    await requireAdmin(guard, request, 'accounts');
    return {
      accounts: (await store.listAccounts()).map((a) => ({
        name: a.name,
        role: a.role,
        environments: a.environments,
        disabled: a.disabled,
        default_environment: a.defaultEnvironment,
        created_at: a.createdAt,
        last_login_at: a.lastLoginAt,
        source: a.source,
        break_glass: a.breakGlass,
      })),
    };
  });

  /** The write found the admin acting no longer an enabled admin (disabled or demoted since the request began). */
  const noLongerAdmin = async (request: FastifyRequest, name: string) => {
    const problem = new Problem(
      403,
      'forbidden',
      `The account ${name} is no longer an enabled administrator (it was changed while this request ran): nothing was changed.`,
    );
    await guard.audit(request, { action: 'access_refused', outcome: problem.title, status: problem.statusCode });
    return problem;
  };

  app.post('/admin/accounts', async (request, reply) => {
    const self = await requireAdmin(guard, request, 'accounts');
    const body = parseOrRefuse(newAccountSchema, requireBody(request));
    const account: Account = { name: body.name, role: body.role, environments: body.environments ?? null };
    // scrypt first: the admin's rights are checked again with the write, in one transaction.
    const hash = await hashPassword(body.password);
    const created = await store.createAccount(account, hash, self.name);
    if (created === 'actor_not_admin') throw await noLongerAdmin(request, self.name);
    if (created === 'exists') {
      throw new Problem(409, 'account_exists', `There is already an account named ${body.name}. Choose another name.`);
    }
    await guard.audit(request, { action: 'account_created', outcome: `${account.name}:${account.role}`, status: 201 });
    return reply.code(201).send(account);
  });

  app.patch<{ Params: { name: string } }>('/admin/accounts/:name', async (request) => {
    const self = await requireAdmin(guard, request, 'accounts');
    const { name } = request.params;
    const change = parseOrRefuse(accountChangeSchema, requireBody(request));
    if (name === self.name && (change.disabled === true || (change.role !== undefined && change.role !== 'admin'))) {
      throw new Problem(409, 'own_account', 'You cannot disable your own account nor take its admin role away; another admin can.');
    }
    const target = await store.findAccount(name);
    if (target?.source === 'oidc') {
      const managed = (['role', 'environments', 'password', 'break_glass'] as const).filter((key) => change[key] !== undefined);
      if (managed.length > 0) {
        const problem = new Problem(
          409,
          'managed_by_provider',
          `${name} comes from the identity provider: its role and environments follow its groups there (OIDC_ROLE_MAP), read again at each login, and it has no password. Change its groups at the provider; here it can only be disabled or given a default environment.`,
        );
        await guard.audit(request, { action: 'account_changed', outcome: problem.title, status: problem.statusCode });
        throw problem;
      }
    }
    const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
    const updated = await store.updateAccount(
      name,
      {
        ...(change.role === undefined ? {} : { role: change.role }),
        ...(change.environments === undefined ? {} : { environments: change.environments }),
        ...(change.disabled === undefined ? {} : { disabled: change.disabled }),
        ...(passwordHash === undefined ? {} : { passwordHash }),
        ...(change.default_environment === undefined ? {} : { defaultEnvironment: change.default_environment }),
        ...(change.break_glass === undefined ? {} : { breakGlass: change.break_glass }),
      },
      // An admin changing their own account keeps the session they are using.
      { actor: self.name, ...(name === self.name ? { keepSession: request.session.sessionId } : {}) },
    );
    switch (updated) {
      case 'actor_not_admin':
        throw await noLongerAdmin(request, self.name);
      case 'not_found':
        throw new Problem(404, 'account_not_found', `There is no account named ${name}.`);
      case 'last_admin':
        throw new Problem(
          409,
          'last_admin',
          `${name} is the last enabled administrator: the console would have none. Make another account an administrator first.`,
        );
      case 'last_break_glass':
        throw new Problem(
          409,
          'last_break_glass',
          `${name} is the last enabled break-glass administrator, and password login is for break-glass accounts only: nobody could log in were the identity provider down. Mark another admin break-glass first, or let everyone log in with a password again.`,
        );
      case 'default_not_allowed':
        throw new Problem(
          400,
          'default_environment_not_allowed',
          `${name} may not use the ${String(change.default_environment)} environment, so it cannot be their default. Choose one of the environments the account may use, or allow that one first.`,
        );
      case 'updated':
        break;
    }
    await guard.audit(request, { action: 'account_changed', outcome: `${name}:${Object.keys(change).sort().join('+')}`, status: 200 });
    const account = await store.findAccount(name);
    return account === undefined ? {} : { ...publicAccount(account), default_environment: account.defaultEnvironment };
  });

  const signIn = async () => ({
    local_login: await store.localLogin(),
    sso:
      rp === undefined
        ? null
        : { provider: rp.settings.providerName, issuer: rp.settings.issuer, role_map: roleMapText(rp.settings.roleMap) },
  });

  app.get('/admin/sign-in', async (request) => {
    await requireAdmin(guard, request, 'accounts');
    return signIn();
  });

  // Who may log in with a password while the console has single sign-on; kept in the database, so
  // every instance applies it at once.
  app.put('/admin/sign-in', async (request) => {
    const self = await requireAdmin(guard, request, 'accounts');
    const { local_login } = parseOrRefuse(signInSettingSchema, requireBody(request));
    if (rp === undefined) {
      throw new Problem(
        409,
        'sso_not_configured',
        'The console has no single sign-on (OIDC_ISSUER and the other OIDC settings are not set): every account logs in with its password.',
      );
    }
    const changed = await store.setLocalLogin(local_login, self.name);
    if (changed === 'actor_not_admin') throw await noLongerAdmin(request, self.name);
    if (changed === 'no_break_glass_admin') {
      throw new Problem(
        409,
        'no_break_glass_admin',
        'No enabled administrator is marked break-glass: were the identity provider down, nobody could log in. Mark a local admin account break-glass first.',
      );
    }
    if (changed === 'changed')
      await guard.audit(request, { action: 'setting_changed', outcome: `local_login:${local_login}`, status: 200 });
    return signIn();
  });
  methodNotAllowed(app, '/admin/sign-in', ['GET', 'PUT']);
  methodNotAllowed(app, '/admin/accounts', ['GET', 'POST']);
  methodNotAllowed(app, '/admin/accounts/:name', ['PATCH']);
  done();
};
