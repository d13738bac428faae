import { readFileSync } from 'node:fs';
import { request as apiRequest } from '@playwright/test';
import type { Page } from '@playwright/test';
import { CONSENT_HEADER } from '../contract/access.ts';
import { CONSENT_TERM } from '../contract/consent.ts';
import { generateCpf } from '../contract/cpf.ts';
import { E2E_PASSWORD, e2eAccount } from './support/accounts.ts';
import { expectNoAxeViolations } from './support/axe.ts';
import { expect, test } from './support/browsers.ts';
import { pictures } from './support/fixtures.ts';
import { acceptConsent } from './support/register.ts';

// Issue 13: "Validar rosto (1:1)": a new picture of a customer compared with the face registered for
// their CPF, in words (Mesma pessoa / Pessoa diferente, with the similarity), or why it could not be.

const cpfField = (page: Page) => page.getByLabel('CPF do cliente');
const validate = (page: Page) => page.getByRole('button', { name: 'Validar' });
const verdict = (page: Page) => page.getByTestId('validation-result').getByRole('heading');

/** Chooses a photo file on the validate page and waits for the browser's face check to pass it. */
async function uploadPhoto(page: Page, path: string) {
  await page.getByRole('radio', { name: 'Enviar foto' }).check();
  await page.getByLabel('Escolher foto').setInputFiles(path);
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 30_000 });
}

/** The similarity the verdict names, as a number. */
async function ratio(page: Page): Promise<number> {
  return Number(/(\d+)%/.exec(await verdict(page).innerText())?.[1]);
}

test('a face registered by the camera is validated with another picture of it, told apart from another person, and a CPF with no face is named', async ({
  page,
}) => {
  // Registered at the desk, through the register page: the fake camera's frame of the Obama crop.
  const cpf = generateCpf();
  await page.goto('/');
  await cpfField(page).fill(cpf);
  await acceptConsent(page);
  await page.getByRole('button', { name: 'Ativar câmera' }).click();
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByTestId('registered')).toContainText(`CPF ${cpf} cadastrado em`);
  const key = (await page.getByTestId('registration-key').textContent()) ?? '';

  // The navigation leads to the page, in the same environment.
  await page.getByRole('navigation', { name: 'Navegação principal' }).getByRole('link', { name: 'Validar rosto' }).click();
  await expect(page).toHaveURL(/\/validate\?env=local$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Validar rosto (1:1)' })).toBeVisible();

  // Another picture of the same face: the 12 MP phone photo, reduced and re-encoded by the browser.
  await cpfField(page).fill(cpf);
  await uploadPhoto(page, pictures.faceLarge12mp);
  await validate(page).click();
  await expect(verdict(page)).toHaveText(/^✓ Mesma pessoa — \d{1,3}%$/);
  await expect(verdict(page)).toBeFocused();
  expect(await ratio(page)).toBeGreaterThanOrEqual(60);
  await expect(page.getByTestId('compared-key')).toHaveText(key);
  await expect(page.getByTestId('registration-date')).toHaveText(/^\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2}$/);
  // Nothing of the customer in the address.
  expect(page.url()).not.toContain(cpf.replace(/\D/g, '').slice(0, 9));
  await expectNoAxeViolations(page);

  // Another person, from a photo file: a Congress portrait (a man with a beard and glasses).
  await page.getByRole('button', { name: 'Descartar foto' }).click();
  await uploadPhoto(page, pictures.portraitA000014);
  await validate(page).click();
  await expect(verdict(page)).toHaveText(/^✗ Pessoa diferente — \d{1,3}%$/);
  expect(await ratio(page)).toBeLessThan(60);
  await expect(page.getByTestId('compared-key')).toHaveText(key);
  await expect(cpfField(page)).toHaveValue(cpf);
  await expectNoAxeViolations(page);

  // A CPF with no face registered: said in a sentence, and nothing the person gave is lost.
  const unknown = generateCpf();
  await cpfField(page).fill(unknown);
  await validate(page).click();
  await expect(page.getByRole('alert')).toHaveText(`Não há rosto cadastrado para o CPF ${unknown}. Cadastre o rosto antes de validar.`);
  await expect(page.getByRole('heading', { name: 'A validação não foi concluída' })).toBeFocused();
  await expect(cpfField(page)).toHaveValue(unknown);
  await expect(page.getByTestId('picture-preview')).toBeVisible();
  await expectNoAxeViolations(page);

  // The registration compared with opens in its look-up.
  await cpfField(page).fill(cpf);
  await validate(page).click();
  await expect(verdict(page)).toHaveText(/Pessoa diferente/);
  await page.getByRole('link', { name: 'Consultar o cadastro' }).click();
  await expect(page).toHaveURL(new RegExp(`/lookup/key/${key}\\?env=local$`));
  await expect(page.getByTestId('registration-key')).toHaveText(key);
});

test.describe('a support agent', () => {
  test.use({ role: 'support' });

  test('reaches the page from the navigation and validates a customer by the camera', async ({ page, baseURL }) => {
    // Registered through the API by a registrar (support registers nothing).
    const cpf = generateCpf();
    // A context of its own, without the test's (support's) cookie: logging in over it would end that session.
    const registrar = await apiRequest.newContext({
      ...(baseURL === undefined ? {} : { baseURL }),
      storageState: { cookies: [], origins: [] },
    });
    try {
      const login = await registrar.post('/api/session', { data: { name: e2eAccount('registrar'), password: E2E_PASSWORD } });
      expect(login.status()).toBe(200);
      const registered = await registrar.post('/api/local/face_recognition/registration', {
        data: { document_number: cpf, image: readFileSync(pictures.faceSingleCentered).toString('base64') },
        headers: { [CONSENT_HEADER]: CONSENT_TERM.version },
      });
      expect(registered.status(), await registered.text()).toBe(201);
    } finally {
      await registrar.dispose();
    }

    await page.goto('/?env=local');
    const nav = page.getByRole('navigation', { name: 'Navegação principal' });
    await expect(nav.getByRole('link', { name: 'Cadastrar rosto' })).toHaveCount(0);
    await nav.getByRole('link', { name: 'Validar rosto' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Validar rosto (1:1)' })).toBeVisible();

    // The camera (the fake one shows the same face), from the keyboard once the picture is taken.
    await cpfField(page).fill(cpf);
    await page.getByRole('button', { name: 'Ativar câmera' }).click();
    await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
    await cpfField(page).press('Enter');
    await expect(verdict(page)).toHaveText(/^✓ Mesma pessoa — \d{1,3}%$/);
    await expectNoAxeViolations(page);

    // Where the console does not offer it (production here): said, with who can enable it, and no form.
    // By the address, not the selector, which the account would remember for the tests after this one.
    await page.goto('/validate?env=production');
    const notice = page.getByTestId('validation-not-enabled');
    await expect(notice).toContainText('A validação 1:1 não está habilitada no ambiente “Produção”.');
    await expect(notice).toContainText('O administrador do console pode habilitá-la');
    await expect(notice).toContainText('Account Event API');
    await expect(validate(page)).toHaveCount(0);
    // Where it is offered instead, one link away.
    await notice.getByRole('link', { name: 'Local (emulador)' }).click();
    await expect(page).toHaveURL(/\/validate\?env=local$/);
    await expect(validate(page)).toBeVisible();
  });
});
