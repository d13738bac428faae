import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { accountSchema } from '../../../../contract/access.ts';
import { accountListSchema } from '../../../../contract/access-admin.ts';
import { apiRequest } from '../../../api/client.ts';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs } from '../../../test/session.ts';
import AccountsPage from './accounts-page.tsx';

// Issue 12: an administrator sets where an account's console opens until the person chooses an
// environment (a production desk opens in production from its first login).

const name = `desk-${Date.now().toString(36)}`;

describe('the default environment of an account', () => {
  it('is chosen among the environments the account may use, saved, and said', async () => {
    await logInAs('admin');
    await apiRequest('/admin/accounts', accountSchema, {
      method: 'POST',
      body: { name, password: 'a long enough passphrase', role: 'qa' },
    });
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    await userEvent.click(await screen.findByRole('button', { name: `Alterar a conta ${name}` }));
    const field = await screen.findByRole('combobox', { name: 'Ambiente padrão' });
    expect(field).toHaveValue('');
    expect(field).toHaveAccessibleDescription(/Onde o console abre para esta conta/);
    // QA works in local and sandbox only: production is not offered.
    expect(
      within(field)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual(['Nenhum (o primeiro disponível)', 'Local (emulador)', 'Sandbox (QI Tech)']);

    await userEvent.selectOptions(field, 'sandbox');
    await userEvent.click(screen.getByRole('button', { name: 'Salvar ambiente padrão' }));
    const said = `Conta ${name}: ambiente padrão alterado para Sandbox (QI Tech).`;
    await waitFor(() => expect(screen.getByTestId('announcer')).toHaveTextContent(said));
    expect(screen.getAllByText(said).find((element) => element.closest('[data-testid="announcer"]') === null)).toBeVisible();
    await waitFor(async () => {
      const { accounts } = await apiRequest('/admin/accounts', accountListSchema);
      expect(accounts.find((account) => account.name === name)?.default_environment).toBe('sandbox');
    });
  });
});
