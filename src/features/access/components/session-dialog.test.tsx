import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs, logOutNow, testAccount } from '../../../test/session.ts';
import { SessionDialog } from './session-dialog.tsx';

// An account of the identity provider has no password in the console: when its session ends over a
// page, the dialog sends the person to the provider in a new tab and carries on once the console
// sees them logged in again (here the test logs in through the API, as that tab would).

describe('the session dialog for an account of the identity provider', () => {
  it('offers the provider in a new tab, not a password, and carries on once the same account is logged in again', async () => {
    await logOutNow();
    const { name } = testAccount('desk');
    const resumed = vi.fn();
    await renderConsole(
      <SessionDialog
        account={{ name, role: 'registrar', environments: null, source: 'oidc' }}
        sso={{ provider: 'Entra ID', local_login: 'everyone' }}
        reason="session_expired"
        onResumed={resumed}
        onDismissed={() => undefined}
        onLogOut={() => undefined}
      />,
      { path: '/register' },
    );
    const dialog = await screen.findByRole('dialog', { name: 'Sua sessão expirou' });
    const link = await within(dialog).findByRole('link', { name: 'Entrar com Entra ID em uma nova aba' });
    expect(link).toHaveAttribute('href', '/api/auth/oidc/login?next=%2F');
    expect(link).toHaveAttribute('target', '_blank');
    expect(within(dialog).queryByLabelText('Senha')).toBeNull();
    expect(within(dialog).getByText(/^Nada do que está na tela foi perdido\. A conta .* entra com Entra ID/)).toBeVisible();

    // Not logged in yet: said, and the page stays.
    await userEvent.click(within(dialog).getByRole('button', { name: 'Já entrei: continuar' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(`O console ainda não vê a entrada de ${name}.`);
    expect(resumed).not.toHaveBeenCalled();

    await logInAs('desk');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Já entrei: continuar' }));
    await waitFor(() => expect(resumed).toHaveBeenCalledOnce());
  });
});
