import { screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderConsole } from '../../../test/render.tsx';
import SetupPage from './setup-page.tsx';

// The test server already has accounts, so its /api/setup refuses: what a link opened too late shows.

describe('the first-time setup page', () => {
  it('takes the token out of the address, checks the fields, and says when setup is no longer available', async () => {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#token=printed-by-the-server`);
    await renderConsole(<SetupPage sso={null} />, { path: '/setup' });
    expect(screen.getByRole('heading', { name: 'Configuração inicial do console' })).toBeVisible();
    await waitFor(() => expect(window.location.hash).toBe(''));

    await userEvent.click(screen.getByRole('button', { name: 'Criar conta de administrador' }));
    expect(await screen.findByText('Escolha o nome de usuário.')).toBeVisible();
    expect(screen.getByText('A senha precisa ter pelo menos 10 caracteres.')).toBeVisible();

    await userEvent.type(screen.getByLabelText('Nome de usuário'), 'a');
    await userEvent.type(screen.getByLabelText('Senha'), 'a long enough passphrase');
    await userEvent.type(screen.getByLabelText('Confirme a senha'), 'a long enough passphrasE');
    expect(await screen.findByText(/O nome de usuário usa só letras minúsculas/)).toBeVisible();
    await userEvent.click(screen.getByRole('button', { name: 'Criar conta de administrador' }));
    expect(await screen.findByText('As duas senhas não são iguais. Digite a mesma senha nos dois campos.')).toBeVisible();

    await userEvent.type(screen.getByLabelText('Nome de usuário'), 'dmin');
    await userEvent.type(screen.getByLabelText('Confirme a senha'), '{Backspace}e');
    await userEvent.click(screen.getByRole('button', { name: 'Criar conta de administrador' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Não foi possível criar a contaO console já tem contas: a configuração inicial não está mais disponível. Entre com a sua conta.',
    );
    expect(screen.getByRole('button', { name: 'Ir para a entrada' })).toBeVisible();
  });

  it('without the token, says which link to open instead of a form that cannot work', async () => {
    await renderConsole(<SetupPage sso={null} />, { path: '/setup' });
    expect(screen.getByRole('alert')).toHaveTextContent('Este endereço não tem o código de configuração.');
    expect(screen.queryByRole('button', { name: 'Criar conta de administrador' })).toBeNull();
  });

  it('reads the link pasted into a tab already on /setup, where only the fragment changes (no page load)', async () => {
    await renderConsole(<SetupPage sso={null} />, { path: '/setup' });
    expect(screen.getByRole('alert')).toHaveTextContent('Este endereço não tem o código de configuração.');
    window.location.hash = '#token=pasted-later';
    expect(await screen.findByRole('button', { name: 'Criar conta de administrador' })).toBeVisible();
    expect(screen.queryByText('Este endereço não tem o código de configuração.')).toBeNull();
    // Read, then out of the address, as on a first load.
    await waitFor(() => expect(window.location.hash).toBe(''));
  });

  it('with single sign-on, offers the provider’s administrators to log in there instead', async () => {
    await renderConsole(<SetupPage sso={{ provider: 'Keycloak', local_login: 'everyone' }} />, { path: '/setup' });
    expect(screen.getByText(/^Ou, se você está num grupo de administradores de Keycloak, entre por lá/)).toBeVisible();
    expect(screen.getByRole('link', { name: 'Entrar com Keycloak' })).toHaveAttribute('href', '/api/auth/oidc/login?next=%2F');
  });
});
