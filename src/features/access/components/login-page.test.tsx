import { act, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SSO_ERRORS } from '../../../../contract/access-admin.ts';
import { changeLanguage } from '../../../lib/i18n/i18n.ts';
import { renderConsole } from '../../../test/render.tsx';
import { logOutNow } from '../../../test/session.ts';
import LoginPage from './login-page.tsx';

// The login page as the console shows it with single sign-on configured (the session's answer
// names the provider), and as the server sends a browser back to it after a refusal there.

const KEYCLOAK = { provider: 'Keycloak da Empresa', local_login: 'everyone' } as const;

describe('the login page with single sign-on', () => {
  it('offers "Entrar com <provider>" first, a link to the server that comes back where the person was going', async () => {
    await logOutNow();
    await renderConsole(<LoginPage sso={KEYCLOAK} />, { path: '/login?next=%2Flookup%3Fenv%3Dsandbox' });
    const link = await screen.findByRole('link', { name: 'Entrar com Keycloak da Empresa' });
    expect(link).toHaveAttribute('href', `/api/auth/oidc/login?next=${encodeURIComponent('/lookup?env=sandbox')}`);
    // Local accounts still log in with their password, below.
    expect(screen.getByRole('heading', { name: 'Ou com usuário e senha' })).toBeVisible();
    expect(screen.getByLabelText('Nome de usuário')).toBeVisible();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says when password login is kept for break-glass accounts', async () => {
    await renderConsole(<LoginPage sso={{ ...KEYCLOAK, local_login: 'break_glass' }} />, { path: '/login' });
    expect(await screen.findByText(/^A entrada com senha está reservada às contas de emergência do console/)).toBeVisible();
  });

  it('says in a sentence why the provider’s login was refused, and whom to ask when no group maps to a role', async () => {
    await renderConsole(<LoginPage sso={KEYCLOAK} />, { path: '/login?sso_error=no_mapped_group&next=%2Flookup' });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Não foi possível entrar com Keycloak da Empresa');
    expect(alert).toHaveTextContent(
      'Peça a quem administra os grupos de Keycloak da Empresa na sua empresa (a equipe de identidade ou de TI) que inclua você no grupo do seu perfil',
    );
    expect(screen.getByRole('link', { name: 'Entrar com Keycloak da Empresa' })).toHaveAttribute(
      'href',
      '/api/auth/oidc/login?next=%2Flookup',
    );
  });

  it('has a sentence for every refusal, in Portuguese and English; an unknown one still reads as a sentence', async () => {
    for (const code of [...SSO_ERRORS, 'something_new']) {
      const { unmount } = await renderConsole(<LoginPage sso={KEYCLOAK} />, { path: `/login?sso_error=${code}` });
      const text = (await screen.findByRole('alert')).textContent;
      expect(text, code).toMatch(/^Não foi possível entrar com Keycloak da Empresa[A-ZÁÉÓ].{20,}\.$/s);
      expect(text, code).not.toContain('loginPage.');
      unmount();
    }
    await act(() => changeLanguage('en'));
    try {
      const { unmount } = await renderConsole(<LoginPage sso={KEYCLOAK} />, { path: '/login?sso_error=provider_unavailable' });
      await waitFor(() =>
        expect(screen.getByRole('alert')).toHaveTextContent('Keycloak da Empresa did not answer. Try again in a few minutes.'),
      );
      expect(screen.getByRole('link', { name: 'Log in with Keycloak da Empresa' })).toBeVisible();
      unmount();
    } finally {
      await act(() => changeLanguage('pt-BR'));
    }
  });

  it('without single sign-on: no link, the password form alone; a stale refusal still reads as a sentence', async () => {
    await renderConsole(<LoginPage sso={null} />, { path: '/login?sso_error=provider_unavailable' });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Não foi possível entrar com o provedor de identidadeO provedor de identidade não respondeu.',
    );
    expect(screen.queryByRole('link', { name: /^Entrar com/ })).toBeNull();
    expect(screen.getByText('Use o nome de usuário e a senha da sua conta no console.')).toBeVisible();
  });
});
