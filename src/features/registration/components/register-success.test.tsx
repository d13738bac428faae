import { screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { generateCpf } from '../../../../contract/cpf.ts';
import { imageAnswerSchema } from '../../../../contract/registration.ts';
import { apiRequest } from '../../../api/client.ts';
import { Console } from '../../../app/app.tsx';
import { fixtureBase64 } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs } from '../../../test/session.ts';

// Issue 12: the success panel did not say where the customer was registered.

describe('the success banner', () => {
  it('names the environment the registration was made in, beside the key, even once the selector moves', async () => {
    // Its own registrar: choosing in the selector is remembered with the account.
    await logInAs('counter');
    const image = await fixtureBase64('face-single-centered.jpg');
    const { image_key } = await apiRequest('/production/face_recognition/image', imageAnswerSchema, { method: 'POST', body: { image } });
    const cpf = generateCpf();
    const { location } = await renderConsole(<Console />, { path: '/?env=production' });
    await screen.findByRole('heading', { name: 'Cadastrar rosto' });
    await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
    await userEvent.click(
      screen.getByRole('checkbox', { name: new RegExp(`aceitou o termo de consentimento \\(versão ${CONSENT_TERM.version}\\)`) }),
    );
    await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
    await userEvent.type(await screen.findByLabelText(/image_key/), image_key);
    // In production the button itself says what it does: one click.
    await userEvent.click(screen.getByRole('button', { name: `Cadastrar ${cpf} em PRODUÇÃO` }));

    const done = (await screen.findByRole('heading', { name: 'Rosto cadastrado' })).closest('section');
    if (done === null) throw new Error('no success banner');
    expect(within(done).getByTestId('registered-environment')).toHaveTextContent('Cadastrado no ambiente: Produção');
    expect(screen.getByTestId('announcer')).toHaveTextContent('Rosto cadastrado. Cadastrado no ambiente: Produção');

    // The selector moves on; the panel still tells, and links to, where this customer is.
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Ambiente' }), 'local');
    expect(location.history.at(-1)).toBe('/?env=local');
    expect(within(done).getByTestId('registered-environment')).toHaveTextContent('Cadastrado no ambiente: Produção');
    expect(within(done).getByRole('link', { name: 'Consultar pelo CPF' })).toHaveAttribute(
      'href',
      `/lookup/document/${cpf}?env=production`,
    );
  });
});
