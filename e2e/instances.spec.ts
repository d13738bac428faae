import type { Browser, BrowserContext, Page } from '@playwright/test';
import { expect } from '@playwright/test';
import { E2E_PASSWORD } from './support/accounts.ts';
import { pictures } from './support/fixtures.ts';
import { instanceAccounts, postgresUnavailable, test } from './support/instances.ts';
import { acceptConsent } from './support/register.ts';

// Issue 14: two instances of the console on one PostgreSQL database (DATABASE_URL), as behind a
// load balancer (project `instances`, support/instances.ts: the production build twice, on a
// database of this run, with no SESSION_SECRET: the keys come from the database). One browser
// drives both in turn: its cookies are per host, not per port, so 127.0.0.1:A and 127.0.0.1:B
// carry the same session cookie, as a balancer's one address would. What is done on one instance
// holds on the other: the session, a registration and its origin, a logout, an account disabled,
// the audit trail. Then the same through a round-robin balancer, every request to the other instance.

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  const reason = await postgresUnavailable();
  if (reason === undefined) return;
  const message = `No PostgreSQL server answered (${reason}): the two-instance tests cannot run.`;
  if (process.env.CI !== undefined && process.env.CI !== '') throw new Error(message);
  console.warn(`\n${'!'.repeat(100)}\n${message} They are SKIPPED.\n${'!'.repeat(100)}\n`);
  test.skip(true, message);
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A browser context as a new desk: no cookie, Portuguese, São Paulo's clock. */
const newDesk = (browser: Browser) => browser.newContext({ locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });

/** Logs in through the login page of the instance at `base`. */
async function logIn(page: Page, base: string, name: string): Promise<void> {
  await page.goto(`${base}/`);
  await expect(page.getByRole('heading', { level: 1, name: 'Entrar no console' })).toBeVisible();
  await page.getByLabel('Nome de usuário').fill(name);
  await page.getByLabel('Senha').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await expect(page.getByTestId('account')).toContainText(name);
}

/** Registers a synthetic CPF with an uploaded photo on the page's instance; its CPF and key. */
async function registerUpload(page: Page, base: string): Promise<{ cpf: string; key: string }> {
  await page.goto(`${base}/`);
  await acceptConsent(page);
  await page.getByRole('button', { name: 'Gerar CPF de teste' }).click();
  const cpf = await page.getByLabel('CPF do cliente').inputValue();
  await page.getByRole('radio', { name: 'Enviar foto' }).check();
  await page.getByLabel('Escolher foto').setInputFiles(pictures.faceSingleCentered);
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado na verificação de qualidade.', { timeout: 30_000 });
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  // The instance's emulator loads its face detector on its first picture.
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible({ timeout: 30_000 });
  const key = (await page.getByTestId('registration-key').textContent()) ?? '';
  expect(key).toMatch(UUID);
  return { cpf, key };
}

const searchBox = (page: Page) => page.getByRole('textbox', { name: 'Chave do cadastro ou CPF do cliente' });

async function search(page: Page, what: string): Promise<void> {
  await searchBox(page).fill(what);
  await searchBox(page).press('Enter');
}

/** The session cookie the context holds for an instance's /api (path /api, host-only). */
async function sessionCookie(context: BrowserContext, base: string) {
  return (await context.cookies(`${base}/api/session`)).find((cookie) => cookie.name === 'frc_session');
}

/** What the first test made, for the tests after it. */
const made = { cpf: '', key: '' };

test('a login on A is a session on B; a face registered on B is found on A with its origin; a logout on B ends it on A', async ({
  browser,
  instances: { a, b },
}) => {
  const desk = await newDesk(browser);
  const onA = await desk.newPage();
  await logIn(onA, a, instanceAccounts.registrar);

  // One cookie for both: cookies are per host, and A and B differ only by port.
  const cookie = await sessionCookie(desk, a);
  expect(cookie).toMatchObject({ domain: '127.0.0.1', path: '/api', httpOnly: true, sameSite: 'Strict' });
  // The same cookie (its value, the session's id), whose expiry any /api answer in between may have moved on (rolling sessions).
  const cookieOnB = await sessionCookie(desk, b);
  expect({ ...cookieOnB, expires: undefined }).toEqual({ ...cookie, expires: undefined });
  expect(Math.abs((cookieOnB?.expires ?? 0) - (cookie?.expires ?? 0))).toBeLessThan(60);

  // B knows the session A made (from the database; neither was given SESSION_SECRET): no login page.
  const onB = await desk.newPage();
  await onB.goto(`${b}/`);
  await expect(onB.getByTestId('account')).toContainText(instanceAccounts.registrar);
  await expect(onB.getByRole('heading', { level: 1, name: 'Entrar no console' })).toHaveCount(0);

  // Registered on B (B's emulator, in the database) …
  const { cpf, key } = await registerUpload(onB, b);
  Object.assign(made, { cpf, key });

  // … found on A by key and by CPF, with when and by whom: the origin is read from the audit trail B wrote.
  await onA.goto(`${a}/lookup`);
  await search(onA, key);
  await expect(onA.getByRole('heading', { name: 'Cadastro encontrado' })).toBeFocused();
  await expect(onA.getByTestId('registration-key')).toHaveText(key);
  await expect(onA.getByTestId('registration-origin')).toHaveText(
    new RegExp(`^Cadastrado em \\d{2}/\\d{2}/\\d{4}, \\d{2}:\\d{2}:\\d{2} por ${instanceAccounts.registrar}$`),
  );
  await search(onA, cpf);
  await expect(onA.getByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).toBeFocused();
  await expect(onA.getByTestId('registration-key')).toHaveText(key);

  // Logged out on B: B's login page …
  await onB.getByRole('button', { name: 'Sair' }).click();
  await expect(onB.getByRole('heading', { level: 1, name: 'Entrar no console' })).toBeVisible();
  // … and A, whose page is still open, asks for the password at its next call, keeping the page.
  await search(onA, key);
  const dialog = onA.getByRole('dialog', { name: /^Sua sessão (foi encerrada|expirou)$/ });
  await expect(dialog).toBeVisible();
  // Ended in the database, not only forgotten by this browser: the old cookie, sent again to A, is refused.
  if (cookie === undefined) throw new Error('no session cookie');
  const replay = await desk.request.get(`${a}/api/environments`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
  expect(replay.status()).toBe(401);
  expect(((await replay.json()) as { title: string }).title).toBe('session_expired');
  // A new login on A, in the dialog, carries on where the page was; and it is B's session too.
  await dialog.getByLabel('Senha').fill(E2E_PASSWORD);
  await dialog.getByRole('button', { name: 'Entrar e continuar' }).click();
  await expect(dialog).toBeHidden();
  await expect(onA.getByTestId('registration-key')).toHaveText(key);
  await onB.goto(`${b}/lookup`);
  await expect(onB.getByTestId('account')).toContainText(instanceAccounts.registrar);
  await desk.close();
});

test('an account disabled by an admin on A loses its session on B at once', async ({ browser, instances: { a, b } }) => {
  const agent = await newDesk(browser);
  const onB = await agent.newPage();
  await logIn(onB, b, instanceAccounts.support);
  await onB.goto(`${b}/lookup`);
  await search(onB, made.key);
  await expect(onB.getByTestId('registration-key')).toHaveText(made.key);

  const adminDesk = await newDesk(browser);
  const admin = await adminDesk.newPage();
  await logIn(admin, a, instanceAccounts.admin);
  await admin.goto(`${a}/accounts`);
  await admin.getByRole('button', { name: `Alterar a conta ${instanceAccounts.support}` }).click();
  await admin.getByRole('button', { name: 'Desativar conta' }).click();
  await admin
    .getByRole('alertdialog', { name: `Desativar a conta ${instanceAccounts.support}?` })
    .getByRole('button', { name: `Desativar ${instanceAccounts.support}` })
    .click();
  await expect(
    admin.locator('p', { hasText: `Conta ${instanceAccounts.support} desativada. As sessões abertas dela foram encerradas.` }),
  ).toBeVisible();
  const table = admin.getByRole('table', { name: 'Contas do console' });
  await expect(table.getByRole('row').filter({ hasText: instanceAccounts.support }).first()).toContainText('Desativada');

  // The agent's next call on B finds no session; the password no longer opens one, on B or on A.
  await search(onB, made.cpf);
  const dialog = onB.getByRole('dialog', { name: /^Sua sessão (foi encerrada|expirou)$/ });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Senha').fill(E2E_PASSWORD);
  await dialog.getByRole('button', { name: 'Entrar e continuar' }).click();
  await expect(dialog.getByText('Esta conta está desativada. Fale com um administrador do console.')).toBeVisible();
  const onA = await agent.request.post(`${a}/api/session`, { data: { name: instanceAccounts.support, password: E2E_PASSWORD } });
  expect(onA.status()).toBe(403);
  await agent.close();
  await adminDesk.close();
});

test('the audit page on either instance shows both instances’ actions, in one trail', async ({ browser, instances: { a, b } }) => {
  const desk = await newDesk(browser);
  const page = await desk.newPage();
  await logIn(page, b, instanceAccounts.admin);

  /** The trail's rows as the audit page of `base` shows them. */
  const trail = async (base: string) => {
    await page.goto(`${base}/audit`);
    await expect(page.getByRole('heading', { level: 1, name: 'Auditoria' })).toBeVisible();
    const rows = page.getByRole('table').getByRole('row');
    await expect(rows.nth(1)).toBeVisible();
    return rows.allInnerTexts();
  };
  const onA = await trail(a);
  const onB = await trail(b);
  // One trail: the same entries, in the same order (the database's clock), on both.
  expect(onB).toEqual(onA);

  const row = (...parts: string[]) => onA.find((text) => parts.every((part) => text.includes(part)));
  const { registrar, support, admin } = instanceAccounts;
  // Done on A: the registrar's first login and the look-ups; the support account disabled.
  expect(row(registrar, 'Entrada no console')).toBeDefined();
  expect(row(registrar, 'Consulta pela chave', made.key)).toBeDefined();
  expect(row(registrar, 'Consulta pelo CPF')).toBeDefined();
  expect(row(admin, 'Conta alterada')).toBeDefined();
  // Done on B: the registration, with its key; the logout; the disabled account's refused login.
  expect(row(registrar, 'Cadastro de rosto', made.key, 'Concluído')).toBeDefined();
  expect(row(registrar, 'Saída do console')).toBeDefined();
  expect(row(support, 'Entrada recusada', 'Conta desativada')).toBeDefined();
  // CPFs only masked, wherever they were typed.
  expect(onA.join('\n')).not.toContain(made.cpf);
  await desk.close();
});

test('behind a round-robin balancer, with every request sent to the other instance, a desk logs in, registers and looks up', async ({
  browser,
  instances: { balancer },
}) => {
  const desk = await newDesk(browser);
  const page = await desk.newPage();
  const before = [...balancer.apiRequests];
  await logIn(page, balancer.url, instanceAccounts.registrar);
  const { cpf, key } = await registerUpload(page, balancer.url);
  await page.getByRole('link', { name: 'Consultar pela chave' }).click();
  await expect(page.getByTestId('registration-key')).toHaveText(key);
  await expect(page.getByTestId('registration-origin')).toContainText(`por ${instanceAccounts.registrar}`);
  await search(page, cpf);
  await expect(page.getByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).toBeVisible();
  await expect(page.getByTestId('registration-key')).toHaveText(key);
  // Both instances answered the desk's API calls, about as many each.
  const [toA, toB] = balancer.apiRequests.map((n, i) => n - (before[i] ?? 0));
  expect(toA).toBeGreaterThanOrEqual(3);
  expect(toB).toBeGreaterThanOrEqual(3);
  await page.getByRole('button', { name: 'Sair' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Entrar no console' })).toBeVisible();
  await desk.close();
});
