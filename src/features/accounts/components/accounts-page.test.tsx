import { act, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { accountSchema } from '../../../../contract/access.ts';
import { accountListSchema } from '../../../../contract/access-admin.ts';
import { ApiError, apiRequest } from '../../../api/client.ts';
import { Console } from '../../../app/app.tsx';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs, testAccount } from '../../../test/session.ts';
import AccountsPage from './accounts-page.tsx';

// The real accounts of the test server (src/test/console-server.ts). Each test makes accounts of
// its own, with new names, so the other tests and test files never see them change.

const PASSWORD = 'a long enough passphrase';
let made = 0;
const freshName = () => `acct-${Date.now().toString(36)}-${String((made += 1))}`;

/** Tries to log in with this account without touching this browser's session (its cookie is not kept). */
async function tryLogin(name: string, password: string): Promise<{ status: number; title?: string }> {
  const response = await fetch('/api/session', {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  const body = (await response.json()) as { title?: string };
  return response.ok ? { status: response.status } : { status: response.status, title: body.title ?? '' };
}

const table = () => screen.getByRole('table', { name: 'Contas do console' });
/** The row of this account in the table. */
function row(name: string): HTMLElement {
  const header = within(table()).getByRole('rowheader', { name: new RegExp(`^${name.replace(/[.@]/g, '\\$&')}( \\(você\\))?$`) });
  const tr = header.closest('tr');
  if (tr === null) throw new Error(`no row for ${name}`);
  return tr;
}
const cells = (name: string) =>
  within(row(name))
    .getAllByRole('cell')
    .map((cell) => cell.textContent);

/** As an admin: a new registrar account made through the API, the Contas page, and that account's edit panel open. */
async function editNewAccount(): Promise<{ name: string; panel: HTMLElement }> {
  await logInAs('admin');
  const name = freshName();
  await apiRequest('/admin/accounts', accountSchema, { method: 'POST', body: { name, password: PASSWORD, role: 'registrar' } });
  await renderConsole(<AccountsPage />, { path: '/accounts' });
  await screen.findByRole('table');
  await userEvent.click(within(row(name)).getByRole('button', { name: `Alterar a conta ${name}` }));
  return { name, panel: await screen.findByRole('group', { name: `Alterar a conta ${name}` }) };
}

async function createThroughForm(name: string, options: { role?: string; only?: string[] } = {}) {
  await userEvent.type(screen.getByLabelText('Nome de usuário'), name);
  if (options.role !== undefined) await userEvent.selectOptions(screen.getByLabelText('Perfil'), options.role);
  if (options.only !== undefined) {
    await userEvent.click(screen.getByRole('checkbox', { name: 'Todos os ambientes' }));
    for (const env of options.only) await userEvent.click(screen.getByRole('checkbox', { name: env }));
  }
  await userEvent.type(screen.getByLabelText('Senha inicial'), PASSWORD);
  await userEvent.click(screen.getByRole('button', { name: 'Criar conta' }));
}

describe('the accounts page', () => {
  it('lists the accounts: role, environments, whether active, created and last login', async () => {
    await logInAs('admin');
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    expect(await screen.findByRole('heading', { name: 'Contas', level: 1 })).toBeVisible();
    await screen.findByRole('table');

    const admin = testAccount('admin').name;
    // Marked once the session is known (its own query).
    await waitFor(() => expect(within(row(admin)).getByRole('rowheader')).toHaveTextContent(`${admin} (você)`));
    expect(cells(admin)).toEqual([
      'Administrador',
      'Todos',
      'Ativa',
      expect.stringMatching(/^\d{2}\/\d{2}\/\d{4},? \d{2}:\d{2}:\d{2}$/),
      expect.stringMatching(/^\d{2}\/\d{2}\/\d{4},? \d{2}:\d{2}:\d{2}$/),
      'Local',
      'Alterar',
    ]);
    expect(cells(testAccount('disabled').name).slice(0, 3)).toEqual(['Atendente de cadastro', 'Todos', 'Desativada']);
    expect(cells(testAccount('disabled').name)[4]).toBe('Nunca entrou');
    expect(cells(testAccount('support').name)[0]).toBe('Suporte');
    expect(screen.getByTestId('announcer')).toHaveTextContent(/^Contas mostradas: \d+/);
  });

  it('creates an account that can then log in, changes its role, and disables it', async () => {
    await logInAs('admin');
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    await screen.findByRole('table');
    const name = freshName();

    await createThroughForm(name, { role: 'Qualidade (QA)', only: ['Local (emulador)'] });
    expect(await screen.findByText(`Conta ${name} criada, com o perfil Qualidade (QA).`, { selector: 'p' })).toBeVisible();
    expect(screen.getByTestId('announcer')).toHaveTextContent(`Conta ${name} criada, com o perfil Qualidade (QA).`);
    // The form is ready for the next one.
    expect(screen.getByLabelText('Nome de usuário')).toHaveValue('');
    expect(screen.getByRole('checkbox', { name: 'Todos os ambientes' })).toBeChecked();
    await waitFor(() => expect(cells(name).slice(0, 3)).toEqual(['Qualidade (QA)', 'Local (emulador)', 'Ativa']));
    expect(cells(name)[4]).toBe('Nunca entrou');
    expect(await tryLogin(name, PASSWORD)).toEqual({ status: 200 });

    // Keyboard: the row's button opens its panel, whose heading takes focus.
    within(row(name))
      .getByRole('button', { name: `Alterar a conta ${name}` })
      .focus();
    await userEvent.keyboard('{Enter}');
    const panel = await screen.findByRole('group', { name: `Alterar a conta ${name}` });
    expect(within(panel).getByRole('heading', { name: `Alterar a conta ${name}` })).toHaveFocus();
    expect(screen.getByRole('button', { name: `Alterar a conta ${name}` })).toHaveAttribute('aria-expanded', 'true');

    await userEvent.selectOptions(within(panel).getByLabelText('Perfil'), 'Suporte');
    await userEvent.click(within(panel).getByRole('button', { name: 'Salvar perfil' }));
    expect(await within(panel).findByText(`Conta ${name}: perfil alterado para Suporte.`)).toBeVisible();
    expect(screen.getByTestId('announcer')).toHaveTextContent(`Conta ${name}: perfil alterado para Suporte.`);
    await waitFor(() => expect(cells(name)[0]).toBe('Suporte'));

    await userEvent.click(within(panel).getByRole('checkbox', { name: 'Todos os ambientes' }));
    await userEvent.click(within(panel).getByRole('button', { name: 'Salvar ambientes' }));
    expect(await within(panel).findByText(`Conta ${name}: ambientes alterados para Todos.`)).toBeVisible();
    await waitFor(() => expect(cells(name)[1]).toBe('Todos'));

    await userEvent.click(within(panel).getByRole('button', { name: 'Desativar conta' }));
    await userEvent.click(within(panel).getByRole('button', { name: `Desativar ${name}` }));
    expect(await within(panel).findByText(`Conta ${name} desativada. As sessões abertas dela foram encerradas.`)).toBeVisible();
    await waitFor(() => expect(cells(name)[2]).toBe('Desativada'));
    expect(within(panel).getByRole('button', { name: 'Reativar conta' })).toBeVisible();
    expect(await tryLogin(name, PASSWORD)).toEqual({ status: 403, title: 'account_disabled' });

    // Closing gives focus back to the row's button.
    await userEvent.click(within(panel).getByRole('button', { name: 'Fechar' }));
    expect(screen.queryByRole('group', { name: `Alterar a conta ${name}` })).toBeNull();
    expect(screen.getByRole('button', { name: `Alterar a conta ${name}` })).toHaveFocus();

    const { accounts } = await apiRequest('/admin/accounts', accountListSchema);
    expect(accounts.find((account) => account.name === name)).toMatchObject({ role: 'support', environments: null, disabled: true });
  });

  it('sets a new password, and enables a disabled account again', async () => {
    await logInAs('admin');
    const name = freshName();
    await apiRequest('/admin/accounts', accountSchema, {
      method: 'POST',
      body: { name, password: PASSWORD, role: 'registrar' },
    });
    await apiRequest(`/admin/accounts/${name}`, z.unknown(), {
      method: 'PATCH',
      body: { disabled: true },
    });
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    await screen.findByRole('table');
    await userEvent.click(within(row(name)).getByRole('button', { name: `Alterar a conta ${name}` }));
    const panel = await screen.findByRole('group', { name: `Alterar a conta ${name}` });

    await userEvent.type(within(panel).getByLabelText('Nova senha'), 'short');
    await userEvent.click(within(panel).getByRole('button', { name: 'Salvar nova senha' }));
    expect(within(panel).getByText('A senha precisa ter pelo menos 10 caracteres.')).toBeVisible();
    expect(within(panel).getByLabelText('Nova senha')).toHaveAttribute('aria-invalid', 'true');

    await userEvent.clear(within(panel).getByLabelText('Nova senha'));
    await userEvent.type(within(panel).getByLabelText('Nova senha'), 'another long passphrase');
    await userEvent.click(within(panel).getByRole('button', { name: 'Salvar nova senha' }));
    expect(await within(panel).findByText(`Conta ${name}: senha alterada. As sessões abertas dela foram encerradas.`)).toBeVisible();
    expect(within(panel).getByLabelText('Nova senha')).toHaveValue('');

    await userEvent.click(within(panel).getByRole('button', { name: 'Reativar conta' }));
    expect(await within(panel).findByText(`Conta ${name} reativada.`)).toBeVisible();
    await waitFor(() => expect(cells(name)[2]).toBe('Ativa'));
    expect(await tryLogin(name, PASSWORD)).toEqual({ status: 401, title: 'invalid_credentials' });
    expect(await tryLogin(name, 'another long passphrase')).toEqual({ status: 200 });
  });

  it('says what is wrong in the form, and that a name is taken', async () => {
    await logInAs('admin');
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    await screen.findByRole('table');

    await userEvent.click(screen.getByRole('checkbox', { name: 'Todos os ambientes' }));
    await userEvent.click(screen.getByRole('button', { name: 'Criar conta' }));
    expect(screen.getByText('Informe o nome de usuário da nova conta.')).toBeVisible();
    expect(screen.getByText('Escolha pelo menos um ambiente, ou marque “Todos os ambientes”.')).toBeVisible();
    expect(screen.getByText('A senha precisa ter pelo menos 10 caracteres.')).toBeVisible();
    expect(screen.getByLabelText('Nome de usuário')).toHaveFocus();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Todos os ambientes' }));
    expect(screen.queryByText('Escolha pelo menos um ambiente, ou marque “Todos os ambientes”.')).toBeNull();

    await userEvent.type(screen.getByLabelText('Nome de usuário'), 'Não Vale');
    expect(
      screen.getByText(
        'O nome de usuário usa só letras minúsculas, números e . _ @ -, começa por letra ou número e tem de 2 a 64 caracteres.',
      ),
    ).toBeVisible();
    await userEvent.clear(screen.getByLabelText('Nome de usuário'));

    await createThroughForm(testAccount('registrar').name);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Não foi possível criar a contaJá existe uma conta com este nome de usuário. Escolha outro nome.',
    );
    expect(screen.getByLabelText('Nome de usuário')).toHaveFocus();
  });

  it('keeps focus where the person was after each change: the button pressed, the disable/enable button', async () => {
    const { name, panel } = await editNewAccount();

    await userEvent.selectOptions(within(panel).getByLabelText('Perfil'), 'Suporte');
    const saveRole = within(panel).getByRole('button', { name: 'Salvar perfil' });
    await userEvent.click(saveRole);
    expect(await within(panel).findByText(`Conta ${name}: perfil alterado para Suporte.`)).toBeVisible();
    await waitFor(() => expect(cells(name)[0]).toBe('Suporte'));
    expect(saveRole).toHaveFocus();

    const saveEnvironments = within(panel).getByRole('button', { name: 'Salvar ambientes' });
    await userEvent.click(saveEnvironments);
    expect(await within(panel).findByText(`Conta ${name}: ambientes alterados para Todos.`)).toBeVisible();
    expect(saveEnvironments).toHaveFocus();

    await userEvent.type(within(panel).getByLabelText('Nova senha'), 'another long passphrase');
    const savePassword = within(panel).getByRole('button', { name: 'Salvar nova senha' });
    await userEvent.click(savePassword);
    expect(await within(panel).findByText(`Conta ${name}: senha alterada. As sessões abertas dela foram encerradas.`)).toBeVisible();
    expect(savePassword).toHaveFocus();

    await userEvent.click(within(panel).getByRole('button', { name: 'Desativar conta' }));
    await userEvent.click(within(panel).getByRole('button', { name: `Desativar ${name}` }));
    await waitFor(() => expect(cells(name)[2]).toBe('Desativada'));
    const toggle = within(panel).getByRole('button', { name: 'Reativar conta' });
    expect(toggle).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(await within(panel).findByText(`Conta ${name} reativada.`)).toBeVisible();
    await waitFor(() => expect(cells(name)[2]).toBe('Ativa'));
    expect(within(panel).getByRole('button', { name: 'Desativar conta' })).toHaveFocus();
  });

  it('asks before disabling an account, naming it; Escape or Cancelar keeps it active, focus back on the button', async () => {
    const { name, panel } = await editNewAccount();
    const disable = within(panel).getByRole('button', { name: 'Desativar conta' });

    await userEvent.click(disable);
    const dialog = within(panel).getByRole('alertdialog', { name: `Desativar a conta ${name}?` });
    expect(dialog).toHaveAccessibleDescription(
      `${name} não poderá mais entrar, e as sessões abertas dela serão encerradas. Você pode reativá-la depois.`,
    );
    expect(within(dialog).getByRole('heading', { name: `Desativar a conta ${name}?` })).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(within(panel).queryByRole('alertdialog')).toBeNull();
    expect(disable).toHaveFocus();

    await userEvent.click(disable);
    await userEvent.click(within(panel).getByRole('button', { name: 'Cancelar' }));
    expect(within(panel).queryByRole('alertdialog')).toBeNull();
    expect(disable).toHaveFocus();

    // Nothing was sent: still active, still able to log in.
    expect(cells(name)[2]).toBe('Ativa');
    expect(await tryLogin(name, PASSWORD)).toEqual({ status: 200 });
    const { accounts } = await apiRequest('/admin/accounts', accountListSchema);
    expect(accounts.find((account) => account.name === name)).toMatchObject({ disabled: false });
  });

  it('clears a refusal to create once the form changes, and after a later success', async () => {
    await logInAs('admin');
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    await screen.findByRole('table');
    await createThroughForm(testAccount('registrar').name);
    expect(await screen.findByRole('alert')).toHaveTextContent(/^Não foi possível criar a conta/);

    await userEvent.type(screen.getByLabelText('Nome de usuário'), '-2');
    expect(screen.queryByRole('alert')).toBeNull();

    await userEvent.clear(screen.getByLabelText('Nome de usuário'));
    await userEvent.clear(screen.getByLabelText('Senha inicial'));
    await createThroughForm(testAccount('registrar').name);
    expect(await screen.findByRole('alert')).toHaveTextContent(/^Não foi possível criar a conta/);
    const name = freshName();
    await userEvent.clear(screen.getByLabelText('Nome de usuário'));
    await userEvent.clear(screen.getByLabelText('Senha inicial'));
    await createThroughForm(name);
    expect(await screen.findByText(`Conta ${name} criada, com o perfil Atendente de cadastro.`, { selector: 'p' })).toBeVisible();
    expect(screen.queryByRole('alert')).toBeNull();
    // Ready for the next one, where the person types first.
    expect(screen.getByLabelText('Nome de usuário')).toHaveFocus();
  });

  it('generates a strong password for a new account, shown once with a copy button, that logs in', async () => {
    await logInAs('admin');
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    await screen.findByRole('table');
    const name = freshName();
    await userEvent.type(screen.getByLabelText('Nome de usuário'), name);
    await userEvent.click(screen.getByRole('button', { name: 'Gerar senha' }));

    const shown = screen.getByRole('group', { name: 'Senha gerada' });
    const password = within(shown).getByText(/^[A-Za-z0-9_-]{20}$/, { selector: 'code' }).textContent;
    expect(screen.getByLabelText('Senha inicial')).toHaveValue(password);
    expect(within(shown).getByRole('button', { name: 'Copiar a senha gerada' })).toBeVisible();
    expect(screen.getByTestId('announcer')).toHaveTextContent('Senha gerada e preenchida. Copie-a agora: ela não será mostrada de novo.');
    // Another one each time.
    await userEvent.click(screen.getByRole('button', { name: 'Gerar senha' }));
    const second = within(screen.getByRole('group', { name: 'Senha gerada' })).getByText(/^[A-Za-z0-9_-]{20}$/, {
      selector: 'code',
    }).textContent;
    expect(second).not.toBe(password);

    await userEvent.click(screen.getByRole('button', { name: 'Criar conta' }));
    expect(await screen.findByText(`Conta ${name} criada, com o perfil Atendente de cadastro.`, { selector: 'p' })).toBeVisible();
    // Still there to be copied after the account exists; nowhere else.
    expect(within(screen.getByRole('group', { name: 'Senha gerada' })).getByText(second)).toBeVisible();
    expect(await tryLogin(name, second)).toEqual({ status: 200 });

    // Typing a password of one's own forgets the generated one.
    await userEvent.type(screen.getByLabelText('Senha inicial'), 'x');
    expect(screen.queryByRole('group', { name: 'Senha gerada' })).toBeNull();
  });

  it('generates a new password for an existing account', async () => {
    const { name, panel } = await editNewAccount();
    await userEvent.click(within(panel).getByRole('button', { name: 'Gerar senha' }));
    const password = within(within(panel).getByRole('group', { name: 'Senha gerada' })).getByText(/^[A-Za-z0-9_-]{20}$/, {
      selector: 'code',
    }).textContent;
    expect(within(panel).getByLabelText('Nova senha')).toHaveValue(password);
    await userEvent.click(within(panel).getByRole('button', { name: 'Salvar nova senha' }));
    expect(await within(panel).findByText(`Conta ${name}: senha alterada. As sessões abertas dela foram encerradas.`)).toBeVisible();
    expect(await tryLogin(name, password)).toEqual({ status: 200 });
  });

  it("refuses to disable the admin's own account, in words", async () => {
    await logInAs('admin');
    const admin = testAccount('admin').name;
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    await screen.findByRole('table');
    await userEvent.click(within(row(admin)).getByRole('button', { name: `Alterar a conta ${admin}` }));
    const panel = await screen.findByRole('group', { name: `Alterar a conta ${admin}` });
    expect(within(panel).getByText(/^Esta é a sua conta/)).toBeVisible();

    await userEvent.click(within(panel).getByRole('button', { name: 'Desativar conta' }));
    await userEvent.click(within(panel).getByRole('button', { name: `Desativar ${admin}` }));
    expect(await within(panel).findByRole('alert')).toHaveTextContent(
      `Não foi possível alterar a conta ${admin}Você não pode desativar a sua própria conta nem tirar dela o perfil de administrador. Outro administrador pode fazer isso.`,
    );
    await userEvent.selectOptions(within(panel).getByLabelText('Perfil'), 'Suporte');
    await userEvent.click(within(panel).getByRole('button', { name: 'Salvar perfil' }));
    await waitFor(() => expect(within(panel).getByRole('alert')).toHaveTextContent(/Outro administrador pode fazer isso\.$/));
    expect(cells(admin).slice(0, 3)).toEqual(['Administrador', 'Todos', 'Ativa']);
    // Still an admin, still logged in.
    const { accounts } = await apiRequest('/admin/accounts', accountListSchema);
    expect(accounts.find((account) => account.name === admin)).toMatchObject({ role: 'admin', disabled: false });
  });

  it('marks a local account break-glass and back, shown in the list; no sign-in setting without single sign-on', async () => {
    const { name, panel } = await editNewAccount();
    expect(cells(name)[5]).toBe('Local');
    expect(within(panel).getByText('Conta de emergência: Local')).toBeVisible();
    await userEvent.click(within(panel).getByRole('button', { name: 'Marcar como conta de emergência' }));
    expect(await within(panel).findByText(`Conta ${name} marcada como conta de emergência.`)).toBeVisible();
    await waitFor(() => expect(cells(name)[5]).toBe('Local, de emergência'));
    const { accounts } = await apiRequest('/admin/accounts', accountListSchema);
    expect(accounts.find((account) => account.name === name)).toMatchObject({ source: 'local', break_glass: true });
    await userEvent.click(within(panel).getByRole('button', { name: 'Desmarcar conta de emergência' }));
    await waitFor(() => expect(cells(name)[5]).toBe('Local'));
    // The test console has no identity provider: no setting of who may log in with a password.
    expect(screen.queryByRole('heading', { name: 'Entrada com senha' })).toBeNull();
  });

  it('is in the admin navigation, and lazily loaded from it', async () => {
    await logInAs('admin');
    await renderConsole(<Console />, { path: '/?env=local' });
    await screen.findByRole('heading', { name: 'Cadastrar rosto' });
    const nav = screen.getByRole('navigation', { name: 'Navegação principal' });
    await userEvent.click(within(nav).getByRole('link', { name: 'Contas' }));
    expect(await screen.findByRole('heading', { name: 'Contas', level: 1 })).toBeVisible();
    expect(within(nav).getByRole('link', { name: 'Contas' })).toHaveAttribute('aria-current', 'page');
  });

  it('is not for anyone else: no navigation item, the page says it is not allowed, and the server refuses', async () => {
    const { location } = await renderConsole(<Console />, { path: '/?env=local' });
    await screen.findByRole('heading', { name: 'Cadastrar rosto' });
    const nav = screen.getByRole('navigation', { name: 'Navegação principal' });
    expect(within(nav).queryByRole('link', { name: 'Contas' })).toBeNull();

    act(() => location.navigate('/accounts?env=local'));
    expect(await screen.findByRole('heading', { name: 'Acesso não permitido' })).toBeVisible();
    expect(screen.getByRole('alert')).toHaveTextContent('Seu perfil (Atendente de cadastro) não permite gerenciar contas.');

    const refused: unknown = await apiRequest('/admin/accounts', accountListSchema).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).title).toBe('forbidden');
  });
});
