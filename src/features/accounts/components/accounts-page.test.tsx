import { act, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { accountListSchema, accountSchema } from '../../../../contract/access.ts';
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

  it("refuses to disable the admin's own account, in words", async () => {
    await logInAs('admin');
    const admin = testAccount('admin').name;
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    await screen.findByRole('table');
    await userEvent.click(within(row(admin)).getByRole('button', { name: `Alterar a conta ${admin}` }));
    const panel = await screen.findByRole('group', { name: `Alterar a conta ${admin}` });
    expect(within(panel).getByText(/^Esta é a sua conta/)).toBeVisible();

    await userEvent.click(within(panel).getByRole('button', { name: 'Desativar conta' }));
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
