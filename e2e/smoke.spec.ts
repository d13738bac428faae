import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

test('the console opens in Portuguese, with no accessibility violation', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('Console de Cadastro Facial');
  await expect(page.getByRole('heading', { level: 1, name: 'Cadastrar rosto' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'pt-BR');
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations).toEqual([]);
});

test('a deep link opens the console rather than a 404', async ({ page }) => {
  const response = await page.goto('/lookup/document/529.982.247-25');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});
