import { readFileSync } from 'node:fs';
import { request as apiRequest } from '@playwright/test';
import type { APIRequestContext, Page } from '@playwright/test';
import { CONSENT_HEADER } from '../contract/access.ts';
import { CONSENT_TERM } from '../contract/consent.ts';
import { generateCpf } from '../contract/cpf.ts';
import { registrationOriginSchema } from '../contract/registration-origin.ts';
import { E2E_PASSWORD, e2eAccount } from './support/accounts.ts';
import { expectNoAxeViolations } from './support/axe.ts';
import { expect, test } from './support/browsers.ts';
import { pictures } from './support/fixtures.ts';
import { upstreams } from './support/upstreams.ts';

// Issue 12: one search box for a registration key or a CPF; a new search clears the old result; the
// registration's date and author, from the audit trail, when this console made it.

/** A registration made through the console API by the session of `request`, without clicking. */
async function seedRegistration(request: APIRequestContext, cpf: string, env = 'local'): Promise<string> {
  const response = await request.post(`/api/${env}/face_recognition/registration`, {
    data: { document_number: cpf, image: readFileSync(pictures.faceSingleCentered).toString('base64') },
    headers: { [CONSENT_HEADER]: CONSENT_TERM.version },
  });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { registration_key: string }).registration_key;
}

/** "Cadastrado em … por …" as read in São Paulo, from the console's own answer, worked out apart from the page. */
async function expectedOrigin(request: APIRequestContext, key: string, env = 'local'): Promise<string> {
  const response = await request.get(`/api/registrations/${env}/${key}/origin`);
  expect(response.status()).toBe(200);
  const { registered_at, registered_by } = registrationOriginSchema.parse(await response.json());
  const when = new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'medium', timeZone: 'America/Sao_Paulo' }).format(
    new Date(registered_at),
  );
  return `Cadastrado em ${when} por ${registered_by}`;
}

const searchBox = (page: Page) => page.getByRole('textbox', { name: 'Chave do cadastro ou CPF do cliente' });

test('one box finds a registration by key and by CPF, masked or not, with when and by whom it was made', async ({ page, request }) => {
  const cpf = generateCpf();
  const key = await seedRegistration(request, cpf);
  const origin = await expectedOrigin(request, key);
  expect(origin).toMatch(new RegExp(`^Cadastrado em \\d{2}/\\d{2}/\\d{4}, \\d{2}:\\d{2}:\\d{2} por ${e2eAccount('registrar')}$`));

  await page.goto('/lookup');
  await expect(page.getByRole('heading', { level: 1, name: 'Consultar cadastro' })).toBeVisible();
  await expectNoAxeViolations(page);

  // By key, typed in capitals; Enter searches.
  await searchBox(page).fill(key.toUpperCase());
  await searchBox(page).press('Enter');
  await expect(page).toHaveURL(new RegExp(`/lookup/key/${key}\\?env=local$`));
  await expect(page.getByRole('heading', { name: 'Cadastro encontrado' })).toBeFocused();
  await expect(page.getByTestId('registration-key')).toHaveText(key);
  await expect(page.getByTestId('registration-origin')).toHaveText(origin);
  await expectNoAxeViolations(page);

  // By CPF, digits only.
  await searchBox(page).fill(cpf.replace(/\D/g, ''));
  await page.getByRole('button', { name: 'Consultar' }).click();
  // The CPF is never in the address (nor in the browser's history of addresses).
  await expect(page).toHaveURL(/\/lookup\/document\?env=local$/);
  await expect(page.getByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).toBeFocused();
  await expect(page.getByTestId('registration-key')).toHaveText(key);
  await expect(page.getByTestId('registration-origin')).toHaveText(origin);

  // By CPF, masked: the same answer; a reload, Back and Forward keep it (the history entry's state).
  await searchBox(page).fill(cpf);
  await searchBox(page).press('Enter');
  await expect(page.getByTestId('registration-key')).toHaveText(key);
  await page.reload();
  await expect(page.getByTestId('registration-origin')).toHaveText(origin);
  await expect(searchBox(page)).toHaveValue(cpf);
  await page.goBack();
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`/lookup/key/${key}\\?env=local$`));
  await page.goForward();
  await expect(page.getByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).toBeVisible();
  expect(page.url()).not.toContain(cpf.slice(4, 11));

  // An older link with the CPF in its path still opens, and the CPF leaves the address at once.
  await page.goto(`/lookup/document/${cpf}?env=local`);
  await expect(page.getByTestId('registration-key')).toHaveText(key);
  await expect(page).toHaveURL(/\/lookup\/document\?env=local$/);
});

test('a new search clears the old result at once: under "searching", and under an error', async ({ page, request }) => {
  const cpf = generateCpf();
  const key = await seedRegistration(request, cpf);
  await page.goto(`/lookup/key/${key}`);
  await expect(page.getByTestId('registration-origin')).toContainText(`por ${e2eAccount('registrar')}`);

  // Another CPF whose answer is held back: "searching", and nothing of the old result beside it.
  const other = generateCpf();
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route(`**/api/local/face_recognition/registration/document_number/${other}`, async (route) => {
    await released;
    await route.continue();
  });
  await searchBox(page).fill(other);
  await searchBox(page).press('Enter');
  await expect(page.getByText('Consultando…')).toBeVisible();
  await expect(page.getByTestId('registration-key')).toHaveCount(0);
  await expect(page.getByTestId('registration-origin')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Cadastro encontrado' })).toHaveCount(0);
  release();
  await expect(page.getByRole('heading', { name: `Nenhum cadastro para o CPF ${other} neste ambiente.` })).toBeFocused();
  await expect(page.getByRole('link', { name: 'Cadastrar o rosto deste CPF' })).toBeVisible();
  await expectNoAxeViolations(page);

  // Back to the registration, then something that is neither a key nor a CPF: its error, no old result.
  await searchBox(page).fill(cpf);
  await searchBox(page).press('Enter');
  await expect(page.getByTestId('registration-key')).toHaveText(key);
  await searchBox(page).fill('maria');
  await searchBox(page).press('Enter');
  await expect(page.getByText('Isto não é uma chave de cadastro nem um CPF.')).toBeVisible();
  await expect(searchBox(page)).toHaveAttribute('aria-invalid', 'true');
  await expect(searchBox(page)).toBeFocused();
  await expect(page.getByTestId('registration-key')).toHaveCount(0);
  await expect(page.getByTestId('registration-origin')).toHaveCount(0);
  await expectNoAxeViolations(page);

  // A CPF with a wrong check digit says so.
  const wrong = `${cpf.slice(0, -1)}${String((Number(cpf.at(-1)) + 1) % 10)}`;
  await searchBox(page).fill(wrong);
  await page.getByRole('button', { name: 'Consultar' }).click();
  await expect(page.getByText('Os dígitos verificadores (os dois últimos) não conferem.')).toBeVisible();
  await expect(page).toHaveURL(/\/lookup\/document\?env=local$/);
});

test('a registration made outside the console says so', async ({ page }) => {
  // Straight into the sandbox's QI Tech, as another system would: the console never saw it.
  const cpf = generateCpf();
  const direct = await fetch(`http://127.0.0.1:${String(upstreams.sandbox.port)}/face_recognition/registration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: upstreams.sandbox.key },
    body: JSON.stringify({ document_number: cpf, image: readFileSync(pictures.faceSingleCentered).toString('base64') }),
  });
  expect(direct.status).toBe(201);
  const { registration_key: key } = (await direct.json()) as { registration_key: string };

  await page.goto('/lookup?env=sandbox');
  await searchBox(page).fill(cpf);
  await searchBox(page).press('Enter');
  await expect(page.getByTestId('registration-key')).toHaveText(key);
  await expect(page.getByTestId('registration-origin')).toHaveText('Cadastro feito fora deste console.');
  await expect(page.getByTestId('lookup-environment')).toHaveText('Ambiente consultado: Sandbox (QI Tech)');
});

test.describe('a support agent', () => {
  test.use({ role: 'support' });

  test('who may not read the audit trail sees who made a registration, and when', async ({ page, baseURL }) => {
    // A context of its own, without the test's (support's) cookie: logging in over it would end that session.
    const registrar = await apiRequest.newContext({
      ...(baseURL === undefined ? {} : { baseURL }),
      storageState: { cookies: [], origins: [] },
    });
    const login = await registrar.post('/api/session', { data: { name: e2eAccount('registrar'), password: E2E_PASSWORD } });
    expect(login.status()).toBe(200);
    const key = await seedRegistration(registrar, generateCpf());
    const origin = await expectedOrigin(registrar, key);
    await registrar.dispose();

    await page.goto('/lookup');
    await expect(page.getByRole('link', { name: 'Auditoria' })).toHaveCount(0);
    await searchBox(page).fill(key);
    await searchBox(page).press('Enter');
    await expect(page.getByRole('heading', { name: 'Cadastro encontrado' })).toBeFocused();
    await expect(page.getByTestId('registration-origin')).toHaveText(origin);
    await expectNoAxeViolations(page);
  });
});
