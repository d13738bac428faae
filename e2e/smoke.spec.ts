import { expect, test } from '@playwright/test';
import { E2E_PASSWORD, e2eAccount } from './support/accounts.ts';
import { expectNoAxeViolations } from './support/axe.ts';

// Nobody logged in here: plain @playwright/test, without the session of support/browsers.ts.

test('the console opens in Portuguese at the login page, with no accessibility violation', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('Console de Cadastro Facial');
  await expect(page.getByRole('heading', { level: 1, name: 'Entrar no console' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'pt-BR');
  await expectNoAxeViolations(page);
  // Nothing of the console answers without a session.
  expect((await page.request.get('/api/environments')).status()).toBe(401);
});

test('a deep link asks to log in, then opens what it pointed at', async ({ page }) => {
  const response = await page.goto('/lookup/document/529.982.247-25');
  expect(response?.status()).toBe(200);
  await page.getByLabel('Nome de usuário').fill(e2eAccount('support'));
  await page.getByLabel('Senha').fill('not the password');
  await page.getByRole('button', { name: 'Entrar' }).click();
  await expect(page.getByRole('alert')).toContainText('Nome de usuário ou senha incorretos.');
  await page.getByLabel('Senha').fill(E2E_PASSWORD);
  await page.getByLabel('Senha').press('Enter');
  await expect(page).toHaveURL(/\/lookup\/document\/529\.982\.247-25/);
  await expect(page.getByText(/Conectado como e2e-support \(Suporte\)/)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Nenhum cadastro para o CPF 529.982.247-25 neste ambiente.' })).toBeVisible();
  // Support looks up; it does not register.
  await expect(page.getByRole('link', { name: 'Cadastrar rosto' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Sair' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Entrar no console' })).toBeVisible();
  expect((await page.request.get('/api/environments')).status()).toBe(401);
});
