import { readFileSync } from 'node:fs';
import { request as requests } from '@playwright/test';
import type { APIRequestContext, Page, Request } from '@playwright/test';
import { FACE_CHECK_OVERRIDE_HEADER } from '../contract/access.ts';
import { auditAnswerSchema } from '../contract/access-admin.ts';
import { generateCpf } from '../contract/cpf.ts';
import { E2E_PASSWORD, e2eAccount } from './support/accounts.ts';
import { expectNoAxeViolations } from './support/axe.ts';
import { expect, test } from './support/browsers.ts';
import { pictures } from './support/fixtures.ts';
import { acceptConsent } from './support/register.ts';
import { armFault, warmUp } from './support/upstreams.ts';

// sandbox and production are configured as an administrator would (playwright.config.ts): each an
// emulator in its own process reached over HTTP with its own key; the sandbox behind a fault proxy.

/** The registrations (POSTs) the page sends. */
function recordRegistrations(page: Page): Request[] {
  const calls: Request[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/face_recognition/registration')) calls.push(request);
  });
  return calls;
}

/** In order, what the page asked the console API for and what it answered: "POST 504", "GET 404"… */
function recordExchanges(page: Page): string[] {
  const exchanges: string[] = [];
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.includes('/face_recognition/registration'))
      exchanges.push(
        `${response.request().method()} ${path.includes('/document_number/') ? 'by-document' : 'registration'} ${String(response.status())}`,
      );
  });
  return exchanges;
}

/** What the console answers now for a CPF in an environment: its registration key, or null. */
async function keyOf(request: APIRequestContext, env: string, cpf: string): Promise<string | null> {
  const response = await request.get(`/api/${env}/face_recognition/registration/document_number/${cpf}`);
  if (response.status() === 404) return null;
  expect(response.status()).toBe(200);
  return ((await response.json()) as { registration_key: string }).registration_key;
}

async function fillRegistration(page: Page, cpf: string) {
  await page.getByLabel('CPF do cliente').fill(cpf);
  await acceptConsent(page);
  await page.getByRole('radio', { name: 'Enviar foto' }).check();
  await page.getByLabel('Escolher foto').setInputFiles(pictures.faceSingleCentered);
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado na verificação de qualidade.', { timeout: 20_000 });
}

const banner = (page: Page) => page.getByTestId('environment-banner');

/**
 * The exchanges from the submit's look-up of the CPF on: the field's own look-up, made as soon as
 * the CPF is complete, comes before them.
 */
function fromSubmit(exchanges: string[]): string[] {
  const firstSend = exchanges.findIndex((exchange) => exchange.startsWith('POST'));
  expect(exchanges.slice(0, Math.max(firstSend - 1, 0)).every((exchange) => exchange.startsWith('GET by-document'))).toBe(true);
  return exchanges.slice(firstSend - 1);
}

let desks = 0;
/**
 * Logs the page in as a registrar of its own, made by an administrator for this test: what the
 * selector chooses is remembered with the account, and the other tests' registrar must keep
 * opening where it always has.
 */
async function asNewDesk(page: Page, baseURL: string | undefined): Promise<string> {
  desks += 1;
  const name = `e2e-desk-${String(Date.now())}-${String(desks)}`;
  const admin = await requests.newContext({ ...(baseURL === undefined ? {} : { baseURL }) });
  expect((await admin.post('/api/session', { data: { name: e2eAccount('admin'), password: E2E_PASSWORD } })).status()).toBe(200);
  expect((await admin.post('/api/admin/accounts', { data: { name, password: E2E_PASSWORD, role: 'registrar' } })).status()).toBe(201);
  await admin.dispose();
  expect((await page.request.post('/api/session', { data: { name, password: E2E_PASSWORD } })).status()).toBe(200);
  return name;
}

test('switching environments: the address, the banner, and no test CPF in production', async ({ page, baseURL }) => {
  await asNewDesk(page, baseURL);
  await page.goto('/');
  await expect(banner(page)).toHaveText('AMBIENTE LOCAL — emulador, dados fictícios');
  const environment = page.getByLabel('Ambiente');
  await expect(environment.locator('option')).toHaveText(['Local (emulador)', 'Sandbox (QI Tech)', 'Produção']);

  await environment.selectOption({ label: 'Sandbox (QI Tech)' });
  await expect(page).toHaveURL(/\?env=sandbox$/);
  await expect(banner(page)).toHaveText('SANDBOX — somente dados de teste');
  await expect(page.getByRole('button', { name: 'Gerar CPF de teste' })).toBeVisible();
  await expect(banner(page)).not.toHaveCSS('background-color', 'rgb(164, 22, 26)');

  await environment.selectOption({ label: 'Produção' });
  await expect(page).toHaveURL(/\?env=production$/);
  await expect(banner(page)).toHaveText('PRODUÇÃO — dados reais');
  // Its own colour, unmistakable: white on dark red, unlike the sandbox's yellow.
  await expect(banner(page)).toHaveCSS('background-color', 'rgb(164, 22, 26)');
  await expect(page.getByRole('button', { name: 'Gerar CPF de teste' })).toHaveCount(0);
  await expectNoAxeViolations(page);

  // The environment travels with the navigation and with a shared link.
  await page.getByRole('link', { name: 'Consultar cadastro' }).click();
  await expect(page).toHaveURL(/\/lookup\?env=production$/);
  await expect(banner(page)).toHaveText('PRODUÇÃO — dados reais');
});

test('production: the button names the CPF and PRODUÇÃO, one click registers, in production only', async ({ page, request, context }) => {
  const cpf = generateCpf();
  const sent = recordRegistrations(page);
  await page.goto('/?env=production');
  // Nothing to name yet but the environment; then the CPF typed, the one that would be sent.
  await expect(page.getByRole('button', { name: 'Cadastrar em PRODUÇÃO' })).toBeVisible();
  await fillRegistration(page, cpf);
  const submit = page.getByRole('button', { name: `Cadastrar ${cpf} em PRODUÇÃO` });
  await expect(submit).toBeVisible();
  await expectNoAxeViolations(page);
  expect(sent).toHaveLength(0);
  expect(await keyOf(request, 'production', cpf)).toBeNull();

  await submit.click();
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  const key = await page.getByTestId('registration-key').textContent();
  expect(sent).toHaveLength(1);
  expect(await keyOf(request, 'production', cpf)).toBe(key);
  // Production's QI Tech is not the sandbox's: the registration is in one of them only.
  expect(await keyOf(request, 'sandbox', cpf)).toBeNull();

  // The panel names where the customer now is, beside the key.
  await expect(page.getByTestId('registered-environment')).toHaveText('Cadastrado no ambiente: Produção');
  await expectNoAxeViolations(page);

  // A shared link opens the same environment and finds it, naming where it looked.
  const other = await context.newPage();
  await other.goto(`/lookup/document/${cpf}?env=production`);
  await expect(banner(other)).toHaveText('PRODUÇÃO — dados reais');
  await expect(other.getByText(key ?? 'no key')).toBeVisible();
  await expect(other.getByTestId('lookup-environment')).toHaveText('Ambiente consultado: Produção');
  await expectNoAxeViolations(other);
});

test('the environment chosen is remembered with the account: after logging out and in, production; a link’s ?env= still wins', async ({
  page,
  baseURL,
}) => {
  const name = await asNewDesk(page, baseURL);
  await page.goto('/');
  await expect(banner(page)).toHaveText('AMBIENTE LOCAL — emulador, dados fictícios');
  const remembered = page.waitForResponse((r) => r.url().endsWith('/api/session/environment') && r.request().method() === 'PUT');
  await page.getByLabel('Ambiente').selectOption({ label: 'Produção' });
  expect((await remembered).status()).toBe(204);

  await page.getByRole('button', { name: 'Sair' }).click();
  await expect(page.getByRole('heading', { name: 'Entrar no console' })).toBeVisible();
  await page.getByLabel('Nome de usuário').fill(name);
  await page.getByLabel('Senha').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await expect(page.getByTestId('account')).toContainText(name);
  await expect(page).toHaveURL(/\/$/);
  await expect(banner(page)).toHaveText('PRODUÇÃO — dados reais');
  await expect(page.getByLabel('Ambiente')).toHaveValue('production');
  await expect(page.getByRole('button', { name: 'Gerar CPF de teste' })).toHaveCount(0);

  // A link names its environment and wins; opening it changes nothing of what is remembered.
  await page.goto('/?env=sandbox');
  await expect(banner(page)).toHaveText('SANDBOX — somente dados de teste');
  await page.goto('/');
  await expect(banner(page)).toHaveText('PRODUÇÃO — dados reais');
});

test('a look-up link to an environment this console lacks says so and looks nothing up', async ({ page }) => {
  const lookups: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.includes('/face_recognition/registration')) lookups.push(request.url());
  });
  const cpf = generateCpf();
  await page.goto(`/lookup/document/${cpf}?env=staging`);
  await expect(page.getByRole('alert')).toHaveText(
    'O ambiente “staging” do link não está configurado neste console: nenhuma consulta foi feita. Para consultar em “Local (emulador)”, clique em Consultar.',
  );
  await expect(page.getByLabel('CPF do cliente')).toHaveValue(cpf);
  await expectNoAxeViolations(page);
  expect(lookups).toEqual([]);
  // Looking up from there is asked for, in the environment named.
  await page.getByRole('button', { name: 'Consultar' }).click();
  await expect(page).toHaveURL(/\/lookup\/document\?env=local$/);
  await expect(page.getByTestId('lookup-environment')).toHaveText('Ambiente consultado: Local (emulador)');
  expect(lookups).toHaveLength(1);
});

test('production: a photo the console’s check refused is sent after one confirmation naming the reason, and audited', async ({
  page,
  request,
  baseURL,
}) => {
  const cpf = generateCpf();
  const sent = recordRegistrations(page);
  await page.goto('/?env=production');
  await page.getByLabel('CPF do cliente').fill(cpf);
  await acceptConsent(page);
  await page.getByRole('radio', { name: 'Enviar foto' }).check();
  await page.getByLabel('Escolher foto').setInputFiles(pictures.faceTooSmall);
  await expect(page.getByTestId('picture-check')).toContainText('Esta foto não passa na verificação de qualidade: Aproxime o rosto.', {
    timeout: 20_000,
  });
  // QA's "Enviar mesmo assim" box does not exist in production: the confirmation takes its place.
  await expect(page.getByLabel(/Enviar mesmo assim/)).toHaveCount(0);
  const submit = page.getByRole('button', { name: `Cadastrar ${cpf} em PRODUÇÃO` });
  await submit.click();

  // One dialog for the refused picture, in production, the reason in the preview's words.
  const dialog = page.getByRole('alertdialog', { name: 'A verificação do console recusou esta foto' });
  await expect(dialog).toContainText('PRODUÇÃO');
  await expect(dialog).toContainText(
    'A verificação do console recusou esta foto: Aproxime o rosto. A QI Tech pode recusá-la também. Enviar mesmo assim?',
  );
  await expect(page.getByRole('alertdialog')).toHaveCount(1);
  await expect(page.getByRole('heading', { name: 'A verificação do console recusou esta foto' })).toBeFocused();
  await expectNoAxeViolations(page);

  // Escape: back to the form, nothing sent, nothing lost.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(submit).toBeFocused();
  await expect(page.getByLabel('CPF do cliente')).toHaveValue(cpf);
  await expect(page.getByRole('checkbox', { name: /O cliente leu e aceitou/ })).toBeChecked();
  await expect(page.getByTestId('picture-preview')).toBeVisible();
  expect(sent).toHaveLength(0);

  // By keyboard alone: submit again, then the dialog's first button, "Enviar mesmo assim".
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'A verificação do console recusou esta foto' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Enviar mesmo assim' })).toBeFocused();
  await page.keyboard.press('Enter');
  // Production's stand-in accepts it (its face check is off, playwright.config.ts): the customer is registered.
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
  const key = await page.getByTestId('registration-key').textContent();
  expect(sent).toHaveLength(1);
  expect(sent[0]?.headers()[FACE_CHECK_OVERRIDE_HEADER]).toBe('face_too_small');
  expect(await keyOf(request, 'production', cpf)).toBe(key);

  // The administrator finds it in the trail, sent despite the check (the audit page: audit.spec.ts).
  const admin = await requests.newContext({ ...(baseURL === undefined ? {} : { baseURL }) });
  expect((await admin.post('/api/session', { data: { name: e2eAccount('admin'), password: E2E_PASSWORD } })).status()).toBe(200);
  const trail = auditAnswerSchema.parse(await (await admin.get(`/api/admin/audit?action=register&cpf=${cpf}`)).json());
  expect(trail.entries.map((e) => [e.actor, e.environment, e.registration_key, e.outcome, e.face_check_override])).toEqual([
    [e2eAccount('registrar'), 'production', key, 'ok', 'face_too_small'],
  ]);
  const csv = await (await admin.get(`/api/admin/audit.csv?action=register&cpf=${cpf}&format=en`)).text();
  expect(csv.trim().split('\r\n')[1]).toMatch(/,sent despite face_too_small,$/);
  await admin.dispose();
});

test('a registration QI Tech answers too late: the console looks the CPF up and shows it created', async ({ page, request }) => {
  const cpf = generateCpf();
  // The registration must be created within the console's timeout: the sandbox's models loaded first.
  await warmUp('sandbox', readFileSync(pictures.faceSingleCentered));
  await armFault(cpf, 'late');
  const sent = recordRegistrations(page);
  const exchanges = recordExchanges(page);
  await page.goto('/?env=sandbox');
  await fillRegistration(page, cpf);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();

  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible({ timeout: 10_000 });
  // No registration before; the send timed out (504); the CPF was looked up again and found.
  expect(fromSubmit(exchanges)).toEqual(['GET by-document 404', 'POST registration 504', 'GET by-document 200']);
  await expect(
    page.locator('#content').getByText('Não chegou uma resposta válida ao envio, mas conferimos pelo CPF: o cadastro foi criado.'),
  ).toBeVisible();
  const key = await page.getByTestId('registration-key').textContent();
  expect(await keyOf(request, 'sandbox', cpf)).toBe(key);
  // Sent once: the machine never sends a registration again by itself.
  expect(sent).toHaveLength(1);
});

test('a registration lost on the way: nothing was created, and sending again registers it once', async ({ page, request }) => {
  const cpf = generateCpf();
  await armFault(cpf, 'drop');
  const sent = recordRegistrations(page);
  const exchanges = recordExchanges(page);
  await page.goto('/?env=sandbox');
  await fillRegistration(page, cpf);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();

  const heading = page.getByRole('heading', { name: 'Nenhum cadastro foi criado' });
  await expect(heading).toBeVisible({ timeout: 10_000 });
  await expect(heading).toBeFocused();
  await expect(
    page.locator('#content').getByText(`conferimos pelo CPF ${cpf}: nenhum cadastro foi criado. É seguro tentar novamente.`),
  ).toBeVisible();
  expect(fromSubmit(exchanges)).toEqual(['GET by-document 404', 'POST registration 504', 'GET by-document 404']);
  expect(await keyOf(request, 'sandbox', cpf)).toBeNull();
  // Nothing lost: the CPF and the photo are still there.
  await expect(page.getByLabel('CPF do cliente')).toHaveValue(cpf);
  await expect(page.getByTestId('picture-preview')).toBeVisible();
  await expectNoAxeViolations(page);
  expect(sent).toHaveLength(1);

  await page.getByRole('button', { name: 'Enviar novamente' }).click();
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
  const key = await page.getByTestId('registration-key').textContent();
  expect(await keyOf(request, 'sandbox', cpf)).toBe(key);
  expect(sent).toHaveLength(2);
  // Sent again directly: the check was just made.
  expect(fromSubmit(exchanges).slice(3)).toEqual(['POST registration 201']);
});
