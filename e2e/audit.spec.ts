import { expect, test } from './support/browsers.ts';
import { expectNoAxeViolations } from './support/axe.ts';

// Runs after every other test (project `audit`, playwright.config.ts): the administrator finds in
// the audit trail what the run did — logins, registrations, look-ups, refusals — and exports it.
test.use({ role: 'admin' });

test('the audit page shows each kind of action of the run, filters it, and exports CSV', async ({ page }) => {
  await page.goto('/audit');
  await expect(page.getByRole('heading', { level: 1, name: 'Auditoria' })).toBeVisible();
  const table = page.getByRole('table');
  await expect(table).toBeVisible();
  await expectNoAxeViolations(page);

  const action = page.getByRole('combobox', { name: 'Ação' });
  const filter = async (value: string) => {
    await action.selectOption(value);
    await page.getByRole('button', { name: 'Filtrar' }).click();
    await expect(page).toHaveURL(new RegExp(`action=${value}`));
  };

  // Registrations of the run, in local, sandbox and production, with the consent term's version.
  await filter('register');
  const registrations = table.getByRole('row');
  await expect(registrations.filter({ hasText: 'e2e-registrar' }).first()).toBeVisible();
  for (const environment of ['Local (emulador)', 'Sandbox (QI Tech)', 'Produção']) {
    await expect(registrations.filter({ hasText: environment }).first()).toBeVisible();
  }
  await expect(registrations.filter({ hasText: '2026-11-26' }).first()).toBeVisible();
  // The upstream that answered too late is there too, with its outcome in words and its code.
  await expect(registrations.filter({ hasText: 'QI Tech não respondeu a tempo upstream_timeout' }).first()).toBeVisible();
  // A photo the console's check refused, sent in production after the confirmation, says so.
  await expect(
    registrations.filter({ hasText: 'Produção' }).filter({ hasText: 'Concluído · enviado apesar de face_too_small' }).first(),
  ).toBeVisible();
  // CPFs only masked.
  const text = (await table.textContent()) ?? '';
  expect(text).toMatch(/\*\*\*\.\d{3}\.\d{3}-\*\*/);
  expect(text).not.toMatch(/\d{3}\.\d{3}\.\d{3}-\d{2}/);

  // One environment's entries: production's registrations only.
  await page.getByRole('combobox', { name: 'Ambiente do registro' }).selectOption('production');
  await page.getByRole('button', { name: 'Filtrar' }).click();
  await expect(page).toHaveURL(/environment=production/);
  await expect(registrations.filter({ hasText: 'Produção' }).first()).toBeVisible();
  await expect(registrations.filter({ hasText: 'Local (emulador)' })).toHaveCount(0);
  await page.getByRole('combobox', { name: 'Ambiente do registro' }).selectOption('');

  // 1:1 validations (validation.spec.ts): the verdict in words, the CPF masked, by registrar and support.
  await filter('validation');
  const validations = table.getByRole('row');
  await expect(validations.filter({ hasText: 'Mesma pessoa pass' }).first()).toBeVisible();
  await expect(validations.filter({ hasText: 'Pessoa diferente fail' }).first()).toBeVisible();
  await expect(validations.filter({ hasText: 'Cadastro não encontrado registration_not_found' }).first()).toBeVisible();
  await expect(validations.filter({ hasText: 'e2e-support' }).first()).toBeVisible();
  expect((await table.textContent()) ?? '').not.toMatch(/\d{3}\.\d{3}\.\d{3}-\d{2}/);

  for (const kind of ['lookup_document', 'lookup_key', 'image', 'login', 'login_failed', 'logout']) {
    await filter(kind);
    await expect(table.getByRole('row').nth(1), kind).toBeVisible();
  }
  await expect(page).not.toHaveURL(/environment=/);
  // A refused login, in words.
  await filter('login_failed');
  await expect(table.getByRole('row').filter({ hasText: 'Credenciais inválidas invalid_credentials' }).first()).toBeVisible();
  await filter('logout');

  // The CSV carries the same filter: for Excel in Portuguese by default, in English for scripts.
  const { readFileSync } = await import('node:fs');
  const downloadLines = async (name: string) => {
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name, exact: true }).click();
    const text = readFileSync(await (await download).path(), 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    return text.slice(1).trim().split('\r\n');
  };
  const lines = await downloadLines('Exportar CSV');
  expect(lines[0]).toBe(
    'ID;Data e hora (Brasília);Usuário;Ação;Ambiente;CPF (mascarado);Chave do cadastro;Resultado;Código do resultado;HTTP;Termo de consentimento;Endereço IP;Verificação facial;Lote',
  );
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.slice(1).every((line) => /^\d+;\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2};[^;]*;Saída do console;/.test(line))).toBe(true);
  const english = await downloadLines('Exportar CSV em inglês (vírgulas, horário UTC)');
  expect(english[0]).toBe(
    'id,at,actor,action,environment,cpf_masked,registration_key,outcome,status,consent_term,address,face_check_override,bulk_job',
  );
  expect(english.length).toBe(lines.length);
  expect(english.slice(1).every((line) => line.split(',')[3] === 'logout')).toBe(true);
});

test('the accounts page lists the run’s accounts, with no accessibility violation', async ({ page }) => {
  await page.goto('/accounts');
  await expect(page.getByRole('heading', { level: 1, name: 'Contas' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Contas do console' });
  for (const name of ['e2e-admin', 'e2e-registrar', 'e2e-support', 'e2e-qa']) {
    await expect(table.getByRole('rowheader', { name: new RegExp(`^${name}`) })).toBeVisible();
  }
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Alterar a conta e2e-support' }).click();
  await expect(page.getByRole('heading', { name: 'Alterar a conta e2e-support' })).toBeVisible();
  await expectNoAxeViolations(page);
  // Disabling asks first; Escape leaves the account as it was.
  await page.getByRole('button', { name: 'Desativar conta' }).click();
  await expect(page.getByRole('alertdialog', { name: 'Desativar a conta e2e-support?' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.keyboard.press('Escape');
  await expect(page.getByRole('alertdialog')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Desativar conta' })).toBeFocused();
  await expect(table.getByRole('row').filter({ hasText: 'e2e-support' }).first()).toContainText('Ativa');
  await page.getByRole('button', { name: 'Gerar senha' }).last().click();
  await expect(page.getByRole('group', { name: 'Senha gerada' })).toBeVisible();
  await expectNoAxeViolations(page);
});
