import type { Page } from '@playwright/test';
import { expectNoAxeViolations } from './support/axe.ts';
import { expect, test } from './support/browsers.ts';

// The console on a phone held upright (390×844 CSS px, an iPhone 12 to 15's screen), as a registrar.
test.use({ viewport: { width: 390, height: 844 } });

/**
 * The header's height at most: one row (the console's name and "Menu", a 44 px target) and the
 * environment's banner on one line measure 88 px. 100 px leaves room for font differences but not
 * for a second line of either (+19 px or more): a label that grows and wraps fails here. Before
 * the menu, the header was 300 px for a registrar (324 px for an administrator).
 */
const HEADER_MAX = 100;

const headerHeight = async (page: Page) => (await page.getByRole('banner').boundingBox())?.height ?? Number.POSITIVE_INFINITY;

test('the header is one row over the banner; its menu reaches every page and control from the keyboard', async ({ page }) => {
  await page.goto('/?env=local');
  await expect(page.getByRole('heading', { level: 1, name: 'Cadastrar rosto' })).toBeVisible();
  await expect(page.getByTestId('environment-banner')).toHaveText('AMBIENTE LOCAL — emulador, dados fictícios');
  expect(await headerHeight(page)).toBeLessThanOrEqual(HEADER_MAX);
  // The CPF field, the page's first task, is in the first screen without scrolling.
  await expect(page.getByLabel('CPF do cliente')).toBeInViewport();

  const menu = page.getByRole('button', { name: 'Menu' });
  const nav = page.getByRole('navigation', { name: 'Navegação principal' });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(nav).toBeHidden();
  await expectNoAxeViolations(page);

  // The page's content has focus after loading; going back up, the first stop is "Menu".
  await expect(page.getByRole('main')).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(menu).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(nav).toBeVisible();
  await expect(page.locator(`[id="${(await menu.getAttribute('aria-controls')) ?? ''}"]`)).toContainText('Conectado como e2e-registrar');
  await expectNoAxeViolations(page);

  // Everything in the menu, in order, by Tab alone.
  const stops = [
    page.getByRole('link', { name: 'Cadastrar rosto' }),
    page.getByRole('link', { name: 'Consultar cadastro' }),
    page.getByRole('link', { name: 'Validar rosto' }),
    page.getByRole('link', { name: 'Cadastro em lote' }),
    page.getByRole('combobox', { name: 'Ambiente' }),
    page.getByRole('combobox', { name: 'Idioma' }),
    page.getByRole('button', { name: 'Sair' }),
  ];
  for (const stop of stops) {
    await page.keyboard.press('Tab');
    await expect(stop).toBeFocused();
    await expect(stop).toBeInViewport();
  }

  // Escape folds the menu and gives focus back to its button.
  await page.keyboard.press('Escape');
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(menu).toBeFocused();
  await expect(nav).toBeHidden();

  // The environment, from the keyboard: the banner under the row says where the data goes now.
  await page.keyboard.press('Enter');
  for (let stop = 0; stop < 5; stop += 1) await page.keyboard.press('Tab');
  await expect(page.getByRole('combobox', { name: 'Ambiente' })).toBeFocused();
  await page.getByRole('combobox', { name: 'Ambiente' }).selectOption({ label: 'Sandbox (QI Tech)' });
  await expect(page.getByTestId('environment-banner')).toHaveText('SANDBOX — somente dados de teste');
  await expect(page).toHaveURL(/env=sandbox/);

  // A page chosen in the menu: the menu folds, the page opens and takes focus.
  for (let stop = 0; stop < 3; stop += 1) await page.keyboard.press('Shift+Tab');
  await expect(page.getByRole('link', { name: 'Consultar cadastro' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Consultar cadastro' })).toBeVisible();
  await expect(page).toHaveURL(/\/lookup\?env=sandbox/);
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByRole('main')).toBeFocused();
  expect(await headerHeight(page)).toBeLessThanOrEqual(HEADER_MAX);

  // In English too the row and the banner keep to one line each, the local one the longest.
  await menu.click();
  await page.getByRole('combobox', { name: 'Idioma' }).selectOption('en');
  await page.getByRole('combobox', { name: 'Environment' }).selectOption({ label: 'Local (emulator)' });
  await expect(page.getByTestId('environment-banner')).toHaveText('LOCAL ENVIRONMENT — emulator, synthetic data');
  await menu.click();
  await expect(page.getByRole('navigation', { name: 'Main navigation' })).toBeHidden();
  expect(await headerHeight(page)).toBeLessThanOrEqual(HEADER_MAX);

  // And out, from the keyboard: logging out is the menu's last stop.
  await expect(menu).toBeFocused();
  await page.keyboard.press('Enter');
  for (const _stop of stops) await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Log out' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Log in to the console' })).toBeVisible();
});

test('from 1024 px wide the header is the desktop one: no menu button, the navigation in the row', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto('/?env=local');
  await expect(page.getByRole('heading', { level: 1, name: 'Cadastrar rosto' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Menu' })).toBeHidden();
  const brand = await page.getByText('Console de Cadastro Facial').boundingBox();
  const link = await page.getByRole('link', { name: 'Consultar cadastro' }).boundingBox();
  // The navigation beside the console's name, on its row.
  expect(link?.x).toBeGreaterThan((brand?.x ?? 0) + (brand?.width ?? 0));
  expect(Math.abs((link?.y ?? 0) - (brand?.y ?? 0))).toBeLessThan(10);
  await expect(page.getByRole('combobox', { name: 'Ambiente' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sair' })).toBeVisible();
});
