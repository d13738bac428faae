import { screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONSENT_HEADER } from '../../../../contract/access.ts';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { generateCpf } from '../../../../contract/cpf.ts';
import { imageAnswerSchema, registrationAnswerSchema } from '../../../../contract/registration.ts';
import { apiRequest } from '../../../api/client.ts';
import { Console } from '../../../app/app.tsx';
import { fixtureBase64 } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs } from '../../../test/session.ts';

// Issue 12: a look-up link naming an environment the console (or the account) lacks ran the look-up
// in another one; an earlier result stayed under a new error; the result named no environment.

/** A registration made through the console API in `local`, as a fixture does. */
async function seedRegistration(cpf: string): Promise<string> {
  const image = await fixtureBase64('face-single-centered.jpg');
  const { image_key } = await apiRequest('/local/face_recognition/image', imageAnswerSchema, { method: 'POST', body: { image } });
  return (
    await apiRequest('/local/face_recognition/registration', registrationAnswerSchema, {
      method: 'POST',
      body: { document_number: cpf, image_key },
      headers: { [CONSENT_HEADER]: CONSENT_TERM.version },
    })
  ).registration_key;
}

/** The look-ups the page asks the server for. */
let lookups: string[] = [];
beforeEach(() => {
  lookups = [];
  const original = window.fetch.bind(window);
  vi.spyOn(window, 'fetch').mockImplementation((input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.includes('/face_recognition/registration/')) lookups.push(new URL(url, location.href).pathname);
    return original(input, init);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const lookupHeading = () => screen.findByRole('heading', { name: 'Consultar cadastro', level: 1 });

describe('a look-up link to an environment that is not available', () => {
  it('on this console: says so, and looks nothing up anywhere', async () => {
    const cpf = generateCpf();
    await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=staging` });
    await lookupHeading();
    expect(screen.getByRole('alert')).toHaveTextContent(
      'O ambiente “staging” do link não está configurado neste console: nenhuma consulta foi feita. Para consultar em “Local (emulador)”, clique em Consultar.',
    );
    // The CPF stays in its field, to look up where the person chooses.
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lookups).toEqual([]);
    expect(screen.queryByText('Consultando…')).toBeNull();
    expect(screen.queryByText(/Nenhum cadastro|Cadastro mais recente/)).toBeNull();
  });

  it('for this account: says so, and looks nothing up anywhere', async () => {
    await logInAs('qa');
    await renderConsole(<Console />, { path: '/lookup/key/6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4?env=production' });
    await lookupHeading();
    expect(screen.getByRole('alert')).toHaveTextContent(
      'Sua conta não tem acesso ao ambiente “Produção” do link: nenhuma consulta foi feita. Para consultar em “Local (emulador)”, clique em Consultar.',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lookups).toEqual([]);
  });
});

describe('a look-up result', () => {
  it('names the environment beside the key', async () => {
    const cpf = generateCpf();
    const key = await seedRegistration(cpf);
    await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=local` });
    const result = (await screen.findByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).closest('section');
    if (result === null) throw new Error('no result section');
    expect(within(result).getByTestId('registration-key')).toHaveTextContent(key);
    expect(within(result).getByTestId('lookup-environment')).toHaveTextContent('Ambiente consultado: Local (emulador)');
  });

  it('gives way to a new search that is refused, and a search again starts afresh', async () => {
    const cpf = generateCpf();
    const key = await seedRegistration(cpf);
    await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=local` });
    expect(await screen.findByTestId('registration-key')).toHaveTextContent(key);

    // A key typed wrong: its error, and no earlier answer under it.
    const field = screen.getByLabelText('Chave do cadastro');
    await userEvent.type(field, 'not-a-key');
    await userEvent.click(within(field.closest('form') ?? document.body).getByRole('button', { name: 'Consultar' }));
    expect(screen.getByText(/A chave do cadastro é um UUID/)).toBeVisible();
    expect(screen.queryByTestId('registration-key')).toBeNull();
    expect(screen.queryByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).toBeNull();

    // Searching it again starts afresh: asked of the server again, and shown again.
    const before = lookups.length;
    const cpfField = screen.getByLabelText('CPF do cliente');
    await userEvent.click(within(cpfField.closest('form') ?? document.body).getByRole('button', { name: 'Consultar' }));
    expect(await screen.findByTestId('registration-key')).toHaveTextContent(key);
    expect(lookups.length).toBeGreaterThan(before);
  });

  it('of a search that finds nothing names where it looked', async () => {
    const cpf = generateCpf();
    await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=production` });
    expect(await screen.findByRole('heading', { name: `Nenhum cadastro para o CPF ${cpf} neste ambiente.` })).toBeVisible();
    expect(screen.getByTestId('lookup-environment')).toHaveTextContent('Ambiente consultado: Produção');
  });
});
