import { screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { generateCpf } from '../../../../contract/cpf.ts';
import { imageAnswerSchema } from '../../../../contract/registration.ts';
import type { DuplicateFace } from '../../../../contract/registration.ts';
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
    const byCpf = within(done).getByRole('link', { name: 'Consultar pelo CPF' });
    expect(byCpf).toHaveAttribute('href', '/lookup/document?env=production');
    // The CPF goes along in the history state, never in the address.
    await userEvent.click(byCpf);
    expect(location.history.at(-1)).toBe('/lookup/document?env=production');
    expect(window.history.state).toEqual({ cpf });
  });
});

// Issue 13: a face already registered under other CPFs (one person, several CPFs) went unsaid.

/** Other customers' registrations as the emulator names them: CPF hidden, most similar first. */
const OTHERS: DuplicateFace[] = [
  { registration_key: crypto.randomUUID(), document_number: '***.456.789-**', similarity_ratio: 97 },
  { registration_key: crypto.randomUUID(), document_number: '***.210.987-**', similarity_ratio: 88 },
  { registration_key: crypto.randomUUID(), document_number: '***.003.004-**', similarity_ratio: 61 },
];

/**
 * The server's answer to a registration, its `duplicate_faces` replaced (undefined: left out): what
 * the emulator names depends on every face the other tests registered before.
 */
function answerWith(duplicates: DuplicateFace[] | undefined) {
  const original = window.fetch.bind(window);
  vi.spyOn(window, 'fetch').mockImplementation(async (input, init) => {
    const response = await original(input, init);
    const path = new URL(input instanceof Request ? input.url : String(input), location.href).pathname;
    if (init?.method !== 'POST' || path !== '/api/local/face_recognition/registration' || response.status !== 201) return response;
    const answer = (await response.json()) as Record<string, unknown>;
    delete answer.duplicate_faces;
    return Response.json(duplicates === undefined ? answer : { ...answer, duplicate_faces: duplicates }, { status: 201 });
  });
}

/** Registers a new CPF in `local` through the desk, by image key; the success banner. */
async function registerAtTheDesk(): Promise<HTMLElement> {
  const image = await fixtureBase64('face-single-centered.jpg');
  const { image_key } = await apiRequest('/local/face_recognition/image', imageAnswerSchema, { method: 'POST', body: { image } });
  await renderConsole(<Console />, { path: '/?env=local' });
  await screen.findByRole('heading', { name: 'Cadastrar rosto' });
  await userEvent.type(screen.getByLabelText('CPF do cliente'), generateCpf().replace(/\D/g, ''));
  await userEvent.click(screen.getByRole('checkbox', { name: /aceitou o termo de consentimento/ }));
  await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
  await userEvent.type(await screen.findByLabelText(/image_key/), image_key);
  await userEvent.click(screen.getByRole('button', { name: 'Cadastrar rosto' }));
  const done = (await screen.findByRole('heading', { name: 'Rosto cadastrado' })).closest('section');
  if (done === null) throw new Error('no success banner');
  return done;
}

const ADVICE = 'Confira os documentos do cliente antes de prosseguir; o cadastro foi feito.';

describe('a face already registered under other CPFs', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('warns in the success banner, says what to do, and links to the other registration', async () => {
    answerWith(OTHERS.slice(0, 1));
    const done = await registerAtTheDesk();

    // Still a success: the key is there to copy, the desk ready for the next customer.
    expect(within(done).getByTestId('registration-key')).toHaveTextContent(/^[0-9a-f-]{36}$/);
    expect(screen.getByTestId('announcer')).toHaveTextContent('Rosto cadastrado. Cadastrado no ambiente: Local (emulador)');
    expect(screen.getByLabelText('CPF do cliente')).toHaveFocus();
    // An alert: read out as it appears, beside the success.
    const warning = await within(done).findByRole('alert');
    const heading = within(warning).getByRole('heading', { name: 'Atenção: este rosto já está cadastrado em outro CPF' });
    expect(heading).toBeVisible();
    // One line on the desk until opened; then what to do, and the other CPF with its look-up.
    expect(within(warning).getByText(ADVICE)).not.toBeVisible();
    await userEvent.click(heading);
    expect(within(warning).getByText(ADVICE)).toBeVisible();
    const link = within(warning).getByRole('link', { name: 'CPF ***.456.789-** — 97% de semelhança' });
    expect(link).toBeVisible();
    expect(link).toHaveAttribute('href', `/lookup/key/${OTHERS[0]?.registration_key ?? ''}?env=local`);
  });

  it('names each of several other CPFs, most similar first', async () => {
    answerWith(OTHERS);
    const done = await registerAtTheDesk();

    const warning = await within(done).findByRole('alert');
    await userEvent.click(within(warning).getByRole('heading', { name: 'Atenção: este rosto já está cadastrado em 3 outros CPFs' }));
    expect(
      within(warning)
        .getAllByRole('link')
        .map((link) => [link.textContent, link.getAttribute('href')]),
    ).toEqual(
      OTHERS.map((other) => [
        `CPF ${other.document_number} — ${String(other.similarity_ratio)}% de semelhança`,
        `/lookup/key/${other.registration_key}?env=local`,
      ]),
    );
  });

  it.each([
    ['absent', undefined],
    ['empty', []],
  ])('says nothing of other CPFs when the answer names none (%s)', async (_case, duplicates) => {
    answerWith(duplicates);
    const done = await registerAtTheDesk();

    expect(within(done).getByTestId('registration-key')).toBeVisible();
    expect(screen.getByTestId('announcer')).toHaveTextContent('Rosto cadastrado. Cadastrado no ambiente: Local (emulador)');
    // Nor a moment later: the warning is a lazy chunk, and React shows what a chunk suspended up to 300 ms late.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(within(done).queryByRole('alert')).toBeNull();
    expect(within(done).queryByText(/Atenção/)).toBeNull();
  });
});
