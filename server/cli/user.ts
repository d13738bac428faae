// `npm run user -- <command>`: the console's accounts from the command line, on DATA_DIR's database
// or DATABASE_URL's, as the server's (safe beside running servers). Every change is written to the
// audit trail as done by `cli:<user>`.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ROLES, accountNameSchema, passwordSchema, roleSchema } from '../../contract/access.ts';
import type { Account } from '../../contract/access.ts';
import { generatePassword } from '../../contract/password.ts';
import { environmentNameSchema } from '../../contract/console.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { hashPassword } from '../access/passwords.ts';
import { openAccessStore } from '../access/open-store.ts';
import type { AccessStore } from '../access/store.ts';
import { loadConfig } from '../config.ts';
import { secureDataDir } from '../lib/data-dir.ts';
import { concealDatabasePassword } from '../lib/postgres.ts';

const USAGE = `Usage: npm run user -- <command>

  add NAME --role ROLE [--env ENVS] [--password-stdin]
                               create an account; without --password-stdin a strong password is
                               made and printed once
  list                         the accounts
  set-role NAME ROLE           change an account's role (its sessions end)
  set-env NAME ENVS            limit an account to environments (e.g. local,sandbox), or "all"
  set-default-env NAME ENV     where the console opens for the account until it chooses one
                               (one of those it may use), or "none"
  reset-password NAME [--password-stdin]
  disable NAME | enable NAME
  set-break-glass NAME on|off  a local admin account that may still log in with its password while
                               password login is for break-glass accounts only (single sign-on)

ROLE: ${ROLES.join(', ')}. ENVS: comma-separated local, sandbox, production; or all.
The database is DATABASE_URL's when it is set, else DATA_DIR's (default ./data), as for npm start.`;

class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

function parseEnvironments(value: string | undefined): EnvironmentName[] | null {
  if (value === undefined || value === 'all') return null;
  return value.split(',').map((part) => {
    const parsed = environmentNameSchema.safeParse(part.trim());
    return parsed.success ? parsed.data : fail(`Unknown environment "${part}": use local, sandbox, production or all.`);
  });
}

async function readPassword(fromStdin: boolean): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: generatePassword(), generated: true };
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const password = text.replace(/\r?\n$/, '');
  const parsed = passwordSchema.safeParse(password);
  if (!parsed.success) fail('The password must have 10 to 200 characters.');
  return { password, generated: false };
}

export async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, env: { type: 'string' }, 'password-stdin': { type: 'boolean' }, help: { type: 'boolean' } },
  });
  const [command, rawName, extra] = positionals;
  if (values.help === true || command === undefined) {
    console.log(USAGE);
    return command === undefined && values.help !== true ? 1 : 0;
  }
  const config = loadConfig();
  // As the server: the data folder and its files for this account alone (password hashes, CPFs).
  process.umask(0o077);
  secureDataDir(config.dataDir);
  const store = await openAccessStore(config);
  const actor = `cli:${userInfo().username}`;
  const audit = (action: 'account_created' | 'account_changed', outcome: string) =>
    store.appendAudit({ actor, action, outcome, status: 0 });
  try {
    if (command === 'list') {
      for (const a of await store.listAccounts()) {
        const environments = a.environments === null ? 'all' : a.environments.join(',');
        const source = a.source === 'oidc' ? 'identity provider' : a.breakGlass ? 'local, break-glass' : 'local';
        console.log(
          `${a.name}\t${a.role}\t${environments}\t${a.disabled ? 'disabled' : 'active'}\t${source}\tlast login: ${a.lastLoginAt ?? 'never'}`,
        );
      }
      return 0;
    }
    const nameResult = accountNameSchema.safeParse(rawName ?? '');
    if (!nameResult.success) fail('NAME: 2 to 64 characters, lowercase letters, digits and . _ @ -, starting with a letter or digit.');
    const name = nameResult.data;
    const existing = await store.findAccount(name);
    if (command !== 'add' && existing === undefined) fail(`There is no account named ${name}.`);
    // What the identity provider decides (role and environments, from the groups at each login) is changed there.
    if (existing?.source === 'oidc' && ['set-role', 'set-env', 'reset-password', 'set-break-glass'].includes(command)) {
      fail(`${name} comes from the identity provider: change its groups there (OIDC_ROLE_MAP); it has no password here.`);
    }
    const update = async (change: Parameters<AccessStore['updateAccount']>[1]) => {
      const result = await store.updateAccount(name, change);
      if (result === 'last_admin') {
        fail(`${name} is the last enabled administrator: make another account an administrator first (set-role NAME admin).`);
      }
      if (result === 'not_found') fail(`There is no account named ${name}.`);
      if (result === 'default_not_allowed') fail(`${name} may not use that environment: it cannot be their default.`);
      if (result === 'last_break_glass') {
        fail(
          `${name} is the last enabled break-glass administrator while password login is for break-glass accounts only: mark another admin first (set-break-glass NAME on).`,
        );
      }
    };

    switch (command) {
      case 'add': {
        const role = roleSchema.safeParse(values.role);
        if (!role.success) fail(`--role is required: ${ROLES.join(', ')}.`);
        const account: Account = { name, role: role.data, environments: parseEnvironments(values.env) };
        const { password, generated } = await readPassword(values['password-stdin'] === true);
        if ((await store.createAccount(account, await hashPassword(password))) === 'exists') {
          fail(`There is already an account named ${name}.`);
        }
        await audit('account_created', `${name}:${account.role}`);
        console.log(`Account ${name} created (${account.role}).`);
        if (generated) console.log(`Password (shown once; give it to ${name} privately): ${password}`);
        return 0;
      }
      case 'set-role': {
        const role = roleSchema.safeParse(extra);
        if (!role.success) fail(`ROLE: ${ROLES.join(', ')}.`);
        await update({ role: role.data });
        await audit('account_changed', `${name}:role`);
        console.log(`${name} is now ${role.data}; their sessions have ended.`);
        return 0;
      }
      case 'set-env': {
        const environments = parseEnvironments(extra ?? fail('ENVS is required: e.g. local,sandbox or all.'));
        await update({ environments });
        await audit('account_changed', `${name}:environments`);
        console.log(`${name} may use: ${environments === null ? 'all environments their role allows' : environments.join(', ')}.`);
        return 0;
      }
      case 'set-default-env': {
        const value = extra ?? fail('ENV is required: local, sandbox, production or none.');
        const parsed = environmentNameSchema.safeParse(value);
        if (value !== 'none' && !parsed.success) fail(`Unknown environment "${value}": use local, sandbox, production or none.`);
        const defaultEnvironment = parsed.success ? parsed.data : null;
        await update({ defaultEnvironment });
        await audit('account_changed', `${name}:default_environment`);
        console.log(`${name} opens in: ${defaultEnvironment ?? 'the environment they last chose, else the first they may use'}.`);
        return 0;
      }
      case 'reset-password': {
        const { password, generated } = await readPassword(values['password-stdin'] === true);
        await update({ passwordHash: await hashPassword(password) });
        await store.clearLoginFailures(name);
        await audit('account_changed', `${name}:password`);
        console.log(`Password of ${name} changed; their sessions have ended.`);
        if (generated) console.log(`New password (shown once): ${password}`);
        return 0;
      }
      case 'disable':
      case 'enable': {
        await update({ disabled: command === 'disable' });
        await audit('account_changed', `${name}:disabled`);
        console.log(`${name} ${command === 'disable' ? 'disabled; their sessions have ended' : 'enabled'}.`);
        return 0;
      }
      case 'set-break-glass': {
        if (extra !== 'on' && extra !== 'off') fail('set-break-glass NAME on|off');
        await update({ breakGlass: extra === 'on' });
        await audit('account_changed', `${name}:break_glass`);
        console.log(`${name} is ${extra === 'on' ? 'now' : 'no longer'} a break-glass account.`);
        return 0;
      }
      default:
        fail(`Unknown command "${command}".\n\n${USAGE}`);
    }
  } finally {
    await store.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    // A database that cannot be reached says so without DATABASE_URL's password.
    console.error(
      concealDatabasePassword(error instanceof Error ? (error.stack ?? error.message) : String(error), process.env.DATABASE_URL),
    );
    process.exitCode = 1;
  }
}
