import { screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs } from '../../../test/session.ts';
import AccountsPage from './accounts-page.tsx';

// The test server's emulator key (src/test/console-server.ts sets EMULATOR_API_KEY).
const KEY = 'spa-test-emulator-key';

describe('the built-in emulator’s key on the accounts page', () => {
  it('is hidden until "Mostrar chave", then shown with the address and a copy button, and hidden again', async () => {
    const user = userEvent.setup();
    await logInAs('admin');
    await renderConsole(<AccountsPage />, { path: '/accounts' });
    expect(await screen.findByRole('heading', { name: 'Emulador embutido (ambiente local)', level: 2 })).toBeVisible();
    expect(screen.queryByTestId('emulator-key')).toBeNull();
    expect(document.body.textContent).not.toContain(KEY);

    await user.click(screen.getByRole('button', { name: 'Mostrar chave' }));
    expect(await screen.findByTestId('emulator-key')).toHaveTextContent(KEY);
    expect(screen.getByTestId('emulator-address')).toHaveTextContent(`${window.location.origin}/emulator`);

    await user.click(screen.getByRole('button', { name: 'Copiar a chave do emulador' }));
    expect(await navigator.clipboard.readText()).toBe(KEY);
    expect(screen.getByRole('button', { name: 'Copiar a chave do emulador' })).toHaveTextContent('Copiado!');

    await user.click(screen.getByRole('button', { name: 'Ocultar chave' }));
    await waitFor(() => expect(screen.queryByTestId('emulator-key')).toBeNull());
    expect(document.body.textContent).not.toContain(KEY);
    expect(screen.getByRole('button', { name: 'Mostrar chave' })).toBeVisible();
  });
});
