import { screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONSENT_HEADER } from '../../../../contract/access.ts';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { generateCpf } from '../../../../contract/cpf.ts';
import { registrationOriginSchema } from '../../../../contract/registration-origin.ts';
import { imageAnswerSchema, registrationAnswerSchema } from '../../../../contract/registration.ts';
import { apiRequest } from '../../../api/client.ts';
import { Console } from '../../../app/app.tsx';
import { fixtureBase64 } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs, testAccount } from '../../../test/session.ts';

// Issue 12: a look-up link naming an environment the console (or the account) lacks ran the look-up
// in another one; an earlier result stayed under a new error; the result named no environment; two
// boxes (key, CPF) where one would do; nothing said when, or by whom, a registration was made.

/** A registration made through the console API (in `local` unless said), as a fixture does. */
async function seedRegistration(cpf: string, env: EnvironmentName = 'local'): Promise<string> {
  const image = await fixtureBase64('face-single-centered.jpg');
  const { image_key } = await apiRequest(`/${env}/face_recognition/image`, imageAnswerSchema, { method: 'POST', body: { image } });
  return (
    await apiRequest(`/${env}/face_recognition/registration`, registrationAnswerSchema, {
      method: 'POST',
      body: { document_number: cpf, image_key },
      headers: { [CONSENT_HEADER]: CONSENT_TERM.version },
    })
  ).registration_key;
}

/** "Cadastrado em … por …" as someone in São Paulo reads the registration's instant, worked out here apart from the page's code. */
async function expectedOrigin(key: string): Promise<string> {
  const { registered_at, registered_by } = await apiRequest(`/registrations/local/${key}/origin`, registrationOriginSchema);
  const when = new Intl.DateTimeFormat('pt-BR', { dateStyle: 'short', timeStyle: 'medium', timeZone: 'America/Sao_Paulo' }).format(
    new Date(registered_at),
  );
  return `Cadastrado em ${when} por ${registered_by}`;
}

/** The look-ups the page asks the server for; a path in `held` waits until `release()`. */
let lookups: string[] = [];
let held: string | null = null;
let release: () => void = () => undefined;
beforeEach(() => {
  lookups = [];
  held = null;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const original = window.fetch.bind(window);
  vi.spyOn(window, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const path = new URL(url, location.href).pathname;
    if (url.includes('/face_recognition/registration/')) lookups.push(path);
    if (held !== null && path === held) await gate;
    return original(input, init);
  });
});
afterEach(() => {
  release();
  vi.restoreAllMocks();
});

const lookupHeading = () => screen.findByRole('heading', { name: 'Consultar cadastro', level: 1 });
const searchBox = () => screen.getByRole('textbox', { name: 'Chave do cadastro ou CPF do cliente' });
const HINT =
  'A chave do cadastro é um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c. O CPF pode ter pontuação ou não: 123.456.789-09 ou 12345678909.';
const searchButton = () => screen.getByRole('button', { name: 'Consultar' });

describe('the search box', () => {
  it('takes a key, in any case, and shows the registration, when and by whom the console made it', async () => {
    const key = await seedRegistration(generateCpf());
    const { location } = await renderConsole(<Console />, { path: '/lookup?env=local' });
    await lookupHeading();
    expect(searchBox()).toHaveAccessibleDescription(HINT);
    await userEvent.type(searchBox(), `  ${key.toUpperCase()} {Enter}`);

    const heading = await screen.findByRole('heading', { name: 'Cadastro encontrado' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(location.history.at(-1)).toBe(`/lookup/key/${key}?env=local`);
    expect(screen.getByTestId('registration-key')).toHaveTextContent(key);
    expect(await screen.findByTestId('registration-origin')).toHaveTextContent(await expectedOrigin(key));
    expect(screen.getByTestId('registration-origin')).toHaveTextContent(`por ${testAccount('registrar').name}`);
  });

  it('takes a CPF with or without its punctuation, and looks it up masked', async () => {
    const cpf = generateCpf();
    const key = await seedRegistration(cpf);
    const { location } = await renderConsole(<Console />, { path: '/lookup?env=local' });
    await lookupHeading();

    await userEvent.type(searchBox(), cpf.replace(/\D/g, ''));
    await userEvent.click(searchButton());
    expect(await screen.findByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).toBeVisible();
    // The CPF is carried in the history entry's state, never in an address.
    expect(location.history.at(-1)).toBe('/lookup/document?env=local');
    expect(window.history.state).toEqual({ cpf });
    expect(screen.getByTestId('registration-key')).toHaveTextContent(key);
    expect(await screen.findByTestId('registration-origin')).toHaveTextContent(await expectedOrigin(key));
    // The box now holds what was looked up, as the address does.
    expect(searchBox()).toHaveValue(cpf);

    // Typed masked, it is the same search.
    await userEvent.clear(searchBox());
    await userEvent.type(searchBox(), `${cpf}{Enter}`);
    expect(await screen.findByTestId('registration-key')).toHaveTextContent(key);
    expect(location.history.at(-1)).toBe('/lookup/document?env=local');
    expect(location.history.join(' ')).not.toContain(cpf.slice(4, 11));
  });

  it('an older "register this CPF" link with ?cpf= fills the CPF and takes it out of the address', async () => {
    const cpf = generateCpf();
    const { location } = await renderConsole(<Console />, { path: `/?env=local&cpf=${cpf}` });
    expect(await screen.findByLabelText('CPF do cliente', {}, { timeout: 10_000 })).toHaveValue(cpf);
    await waitFor(() => expect(location.history.at(-1)).toBe('/?env=local'));
  });

  it('opens an older link with the CPF in its path, then takes the CPF out of the address', async () => {
    const cpf = generateCpf();
    const key = await seedRegistration(cpf);
    const { location } = await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=local` });
    expect(await screen.findByTestId('registration-key')).toHaveTextContent(key);
    expect(location.history).toEqual(['/lookup/document?env=local']);
    expect(searchBox()).toHaveValue(cpf);
  });

  it.each([
    ['', 'Informe a chave do cadastro ou o CPF do cliente.'],
    [
      'joão da silva',
      'Isto não é uma chave de cadastro nem um CPF. Digite a chave do cadastro (um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c) ou o CPF do cliente (11 dígitos, como 123.456.789-09).',
    ],
    ['3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3', 'A chave do cadastro é um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c.'],
    ['529.982.247-2', 'O CPF tem 11 dígitos, como 123.456.789-09.'],
    ['111.111.111-11', 'Um CPF com todos os dígitos iguais não é válido. Confira o número no documento.'],
    ['529.982.247-26', 'Os dígitos verificadores (os dois últimos) não conferem. Confira se algum dígito foi digitado errado.'],
    ['52998224726', 'Os dígitos verificadores (os dois últimos) não conferem. Confira se algum dígito foi digitado errado.'],
  ])('refuses %j saying what to type, and looks nothing up', async (typed, message) => {
    const { location } = await renderConsole(<Console />, { path: '/lookup?env=local' });
    await lookupHeading();
    if (typed !== '') await userEvent.type(searchBox(), typed);
    await userEvent.click(searchButton());
    expect(screen.getByText(message)).toBeVisible();
    expect(searchBox()).toHaveAttribute('aria-invalid', 'true');
    // Read out with the box: its hint, then the error.
    expect(searchBox()).toHaveAccessibleDescription(`${HINT} ${message}`);
    // Back to the box, to correct it.
    expect(searchBox()).toHaveFocus();
    expect(location.history.at(-1)).toBe('/lookup?env=local');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lookups).toEqual([]);
  });
});

describe('a new search', () => {
  it('clears the earlier result at once: under an error, and under "searching"', async () => {
    const cpf = generateCpf();
    const key = await seedRegistration(cpf);
    await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=local` });
    expect(await screen.findByTestId('registration-key')).toHaveTextContent(key);
    expect(await screen.findByTestId('registration-origin')).toBeVisible();

    // A key typed wrong: its error, and no earlier answer under it.
    await userEvent.clear(searchBox());
    await userEvent.type(searchBox(), `${key.slice(0, -1)}{Enter}`);
    expect(screen.getByText('A chave do cadastro é um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c.')).toBeVisible();
    expect(screen.queryByTestId('registration-key')).toBeNull();
    expect(screen.queryByTestId('registration-origin')).toBeNull();
    expect(screen.queryByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).toBeNull();

    // Searching it again starts afresh: asked of the server again, and shown again.
    const before = lookups.length;
    await userEvent.clear(searchBox());
    await userEvent.type(searchBox(), `${cpf}{Enter}`);
    expect(await screen.findByTestId('registration-key')).toHaveTextContent(key);
    expect(screen.queryByText('A chave do cadastro é um UUID, como 3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c.')).toBeNull();
    expect(searchBox()).toHaveAccessibleDescription(HINT);
    expect(lookups.length).toBeGreaterThan(before);

    // Another CPF, whose answer is slow: "searching", and nothing of the earlier answer beside it.
    const other = generateCpf();
    held = `/api/local/face_recognition/registration/document_number/${other}`;
    await userEvent.clear(searchBox());
    await userEvent.type(searchBox(), `${other}{Enter}`);
    expect(await screen.findByText('Consultando…')).toBeVisible();
    expect(screen.queryByTestId('registration-key')).toBeNull();
    expect(screen.queryByTestId('registration-origin')).toBeNull();
    expect(screen.queryByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).toBeNull();
    release();
    const none = await screen.findByRole('heading', { name: `Nenhum cadastro para o CPF ${other} neste ambiente.` });
    await waitFor(() => expect(none).toHaveFocus());
    // The CPF goes to the register page in the history state, not in the link.
    const registerIt = screen.getByRole('link', { name: 'Cadastrar o rosto deste CPF' });
    expect(registerIt).toHaveAttribute('href', '/?env=local');
    await userEvent.click(registerIt);
    expect(await screen.findByLabelText('CPF do cliente', {}, { timeout: 10_000 })).toHaveValue(other);
  });
});

describe('when and by whom', () => {
  it('a support agent, who may not read the audit trail, sees who made the registration', async () => {
    const key = await seedRegistration(generateCpf());
    await logInAs('support');
    await renderConsole(<Console />, { path: `/lookup/key/${key}?env=local` });
    expect(await screen.findByTestId('registration-origin')).toHaveTextContent(
      new RegExp(`^Cadastrado em \\d{2}/\\d{2}/\\d{4}, \\d{2}:\\d{2}:\\d{2} por ${testAccount('registrar').name}$`),
    );
  });

  it('of a registration the console did not make in this environment: says it was made elsewhere', async () => {
    // The test server's production is this same emulator over HTTP (src/test/console-server.ts): a
    // registration the console made in production is, seen from local, one made by another system.
    const cpf = generateCpf();
    const key = await seedRegistration(cpf, 'production');
    await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=local` });
    expect(await screen.findByTestId('registration-key')).toHaveTextContent(key);
    expect(await screen.findByTestId('registration-origin')).toHaveTextContent('Cadastro feito fora deste console.');
  });
});

describe('a look-up link to an environment that is not available', () => {
  it('on this console: says so, and looks nothing up anywhere', async () => {
    const cpf = generateCpf();
    await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=staging` });
    await lookupHeading();
    expect(screen.getByRole('alert')).toHaveTextContent(
      'O ambiente “staging” do link não está configurado neste console: nenhuma consulta foi feita. Para consultar em “Local (emulador)”, clique em Consultar.',
    );
    // The CPF stays in the box, to look up where the person chooses.
    expect(searchBox()).toHaveValue(cpf);
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
    expect(searchBox()).toHaveValue('6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4');
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

  it('of a search that finds nothing names where it looked', async () => {
    const cpf = generateCpf();
    await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=production` });
    expect(await screen.findByRole('heading', { name: `Nenhum cadastro para o CPF ${cpf} neste ambiente.` })).toBeVisible();
    expect(screen.getByTestId('lookup-environment')).toHaveTextContent('Ambiente consultado: Produção');
  });

  it('of a link that is not valid says why, and keeps it in the box to correct', async () => {
    await renderConsole(<Console />, { path: '/lookup/document/529.982.247-26?env=local' });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'O endereço desta consulta não é válido: Os dígitos verificadores (os dois últimos) não conferem.',
    );
    expect(searchBox()).toHaveValue('529.982.247-26');
    expect(lookups).toEqual([]);
  });
});
