import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { expectNoAxeViolations } from './support/axe.ts';
import { sso } from './support/sso.ts';
import { port } from './support/upstreams.ts';

// Single sign-on in Chromium: nobody logged in (plain @playwright/test), the console configured
// with the loopback provider of support/oidc-provider.ts, which is another site (localhost against
// the console's 127.0.0.1). Each person logs in on the provider's own pages and lands with the
// rights of their group's role.

const CONSOLE = `http://127.0.0.1:${String(port)}`;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Content-Security-Policy violations on the console's pages (the provider's pages are its own business). */
function watchConsoleCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (page.url().startsWith(CONSOLE) && message.type() === 'error' && /Content[ -]Security[ -]Policy/i.test(message.text())) {
      violations.push(message.text());
    }
  });
  return violations;
}

/** From the console's login page, through the provider's login and consent pages, back to the console. */
async function logInAtProvider(page: Page, login: string): Promise<void> {
  await page.getByRole('link', { name: `Entrar com ${sso.providerName}` }).click();
  await expect(page).toHaveURL(new RegExp(`^${escape(sso.issuer)}/interaction/`));
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password at all');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(new RegExp(`^${escape(CONSOLE)}/`));
}

const ROLE_TEXT = { admin: 'Administrador', registrar: 'Atendente de cadastro', support: 'Suporte', qa: 'Qualidade (QA)' } as const;

test.describe('single sign-on', () => {
  test('the login page offers the provider first, with no accessibility violation', async ({ page }) => {
    const violations = watchConsoleCsp(page);
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Entrar no console' })).toBeVisible();
    await expect(page.getByRole('link', { name: `Entrar com ${sso.providerName}` })).toHaveAttribute(
      'href',
      '/api/auth/oidc/login?next=%2F',
    );
    await expect(page.getByRole('heading', { name: 'Ou com usuário e senha' })).toBeVisible();
    await expectNoAxeViolations(page);
    expect(violations).toEqual([]);
  });

  test('an admin lands with the audit trail and accounts, their account marked as the provider’s; logging out ends the provider’s session too', async ({
    page,
  }) => {
    const violations = watchConsoleCsp(page);
    await page.goto('/accounts');
    await expect(page).toHaveURL(/\/login\?next=%2Faccounts$/);
    await logInAtProvider(page, 'carla');
    await expect(page).toHaveURL(`${CONSOLE}/accounts`);
    await expect(page.getByText(`Conectado como carla.admin (${ROLE_TEXT.admin})`)).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Navegação principal' });
    await expect(nav.getByRole('link', { name: 'Auditoria' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Contas' })).toBeVisible();
    const row = page.getByRole('row', { name: /^carla\.admin/ });
    await expect(row.getByRole('cell', { name: 'Provedor de identidade' })).toBeVisible();
    // Its role and password are the provider's: the panel offers neither.
    await row.getByRole('button', { name: 'Alterar a conta carla.admin' }).click();
    await expect(page.getByText(/^Esta conta vem de Loopback ID/)).toBeVisible();
    await expect(page.getByLabel('Perfil')).toHaveCount(1); // the new-account form's only
    await expect(page.getByRole('heading', { name: 'Entrada com senha' })).toBeVisible();

    // "Sair": the console's session ends, the provider asks to sign out too, and sends the browser back to the login page.
    await page.getByRole('button', { name: 'Sair' }).click();
    await expect(page).toHaveURL(new RegExp(`^${escape(sso.issuer)}/session/end`));
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await expect(page).toHaveURL(`${CONSOLE}/login`);
    await expect(page.getByRole('heading', { level: 1, name: 'Entrar no console' })).toBeVisible();
    expect((await page.request.get('/api/environments')).status()).toBe(401);
    // Signed out at the provider as well: logging in again asks for the login there.
    await page.getByRole('link', { name: `Entrar com ${sso.providerName}` }).click();
    await expect(page.locator('input[name=login]')).toBeVisible();
    expect(violations).toEqual([]);
  });

  test('a registrar lands where they were going, may register, and has no audit trail', async ({ page }) => {
    await page.goto('/lookup?env=local');
    await logInAtProvider(page, 'davi');
    await expect(page).toHaveURL(`${CONSOLE}/lookup?env=local`);
    await expect(page.getByText(`Conectado como davi.desk (${ROLE_TEXT.registrar})`)).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Navegação principal' });
    await expect(nav.getByRole('link', { name: 'Cadastrar rosto' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Auditoria' })).toHaveCount(0);
    expect((await page.request.get('/api/admin/audit')).status()).toBe(403);
  });

  test('support looks up and may not register', async ({ page }) => {
    await page.goto('/');
    await logInAtProvider(page, 'sara');
    await expect(page.getByText(`Conectado como sara.support (${ROLE_TEXT.support})`)).toBeVisible();
    await expect(page).toHaveURL(/\/lookup/);
    const nav = page.getByRole('navigation', { name: 'Navegação principal' });
    await expect(nav.getByRole('link', { name: 'Consultar cadastro' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Cadastrar rosto' })).toHaveCount(0);
  });

  test('QA works in local and sandbox only, as its group’s entry of OIDC_ROLE_MAP says', async ({ page }) => {
    await page.goto('/');
    await logInAtProvider(page, 'quim');
    await expect(page.getByText(`Conectado como quim.qa (${ROLE_TEXT.qa})`)).toBeVisible();
    const environments = page.getByRole('combobox', { name: 'Ambiente' });
    await expect(environments.getByRole('option')).toHaveText(['Local (emulador)', 'Sandbox (QI Tech)']);
    expect((await page.request.get('/api/production/face_recognition/registration/document_number/529.982.247-25')).status()).toBe(403);
  });

  test('someone in no mapped group is refused, told whom to ask, and may still use a local account', async ({ page }) => {
    await page.goto('/');
    await logInAtProvider(page, 'otto');
    await expect(page).toHaveURL(/\/login\?sso_error=no_mapped_group/);
    await expect(page.getByRole('alert')).toContainText(
      'Você entrou em Loopback ID, mas não está em nenhum grupo com acesso ao console. Peça a quem administra os grupos de Loopback ID',
    );
    await expect(page.getByLabel('Nome de usuário')).toBeVisible();
    expect((await page.request.get('/api/environments')).status()).toBe(401);
  });
});
