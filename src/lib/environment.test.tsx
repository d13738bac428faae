import { screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { sessionAnswerSchema } from '../../contract/access.ts';
import { apiRequest } from '../api/client.ts';
import { Console } from '../app/app.tsx';
import { renderConsole } from '../test/render.tsx';
import { logInAs, logOutNow, testAccount } from '../test/session.ts';

// Issue 12: after a login, or on a plain `/`, the console fell back to `local`: a production desk
// had to choose "Produção" at every session, or registered real customers into the emulator.

const selector = () => screen.getByRole('combobox', { name: 'Ambiente' });

/** The console, freshly loaded at `path` (as after a login, a bookmark or a reload), for `desk`. */
async function openAs(path: string) {
  await logOutNow();
  await logInAs('desk');
  const rendered = await renderConsole(<Console />, { path });
  await screen.findByRole('heading', { name: 'Cadastrar rosto' });
  return rendered;
}

describe('where the console opens when the address names no environment', () => {
  it('the first the account may use; then the default an admin set; then the one the person last chose; a link’s ?env= wins', async () => {
    let page = await openAs('/');
    expect(selector()).toHaveValue('local');
    page.unmount();

    // An administrator makes production the desk's default.
    await logInAs('admin');
    await apiRequest(`/admin/accounts/${testAccount('desk').name}`, z.object({ default_environment: z.nullable(z.string()) }), {
      method: 'PATCH',
      body: { default_environment: 'production' },
    });
    page = await openAs('/');
    expect(selector()).toHaveValue('production');
    expect(screen.getByTestId('environment-banner')).toHaveTextContent('PRODUÇÃO — dados reais');

    // The person chooses the sandbox: remembered with the account, beyond logging out.
    await userEvent.selectOptions(selector(), 'sandbox');
    expect(page.location.history.at(-1)).toBe('/?env=sandbox');
    await waitFor(async () => expect((await apiRequest('/session', sessionAnswerSchema)).account?.last_environment).toBe('sandbox'));
    page.unmount();
    page = await openAs('/');
    expect(selector()).toHaveValue('sandbox');
    expect(screen.getByTestId('environment-banner')).toHaveTextContent('SANDBOX — somente dados de teste');
    page.unmount();

    // A shared link opens where it says.
    await openAs('/?env=local');
    expect(selector()).toHaveValue('local');
  });
});
