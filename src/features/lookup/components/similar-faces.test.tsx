import { screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONSENT_HEADER } from '../../../../contract/access.ts';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { generateCpf } from '../../../../contract/cpf.ts';
import { imageAnswerSchema, registrationAnswerSchema } from '../../../../contract/registration.ts';
import type { DuplicateFace } from '../../../../contract/registration.ts';
import { apiRequest } from '../../../api/client.ts';
import { Console } from '../../../app/app.tsx';
import { fixtureBase64 } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';

// Issue 13: a registration's look-up did not say that its face was registered under other CPFs too.

/** A registration made through the console API in `local`, as a fixture does; its key. */
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

/** Other customers' registrations as the emulator names them: CPF hidden, most similar first. */
const OTHERS: DuplicateFace[] = [
  { registration_key: crypto.randomUUID(), document_number: '***.456.789-**', similarity_ratio: 97 },
  { registration_key: crypto.randomUUID(), document_number: '***.210.987-**', similarity_ratio: 64 },
];

/**
 * The server's answers to look-ups of registrations, their `duplicate_faces` replaced (undefined:
 * left out): what the emulator names depends on every face the other tests registered before.
 */
function lookupsAnswerWith(duplicates: DuplicateFace[] | undefined) {
  const original = window.fetch.bind(window);
  vi.spyOn(window, 'fetch').mockImplementation(async (input, init) => {
    const response = await original(input, init);
    const path = new URL(input instanceof Request ? input.url : String(input), location.href).pathname;
    if (!path.startsWith('/api/local/face_recognition/registration/') || response.status !== 200) return response;
    const answer = (await response.json()) as Record<string, unknown>;
    delete answer.duplicate_faces;
    return Response.json(duplicates === undefined ? answer : { ...answer, duplicate_faces: duplicates });
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

const similarFaces = () => screen.queryByRole('region', { name: 'Rostos semelhantes em outros CPFs' });

describe('the look-up of a registration whose face is under other CPFs', () => {
  it('lists them by key, most similar first, each a link to its own look-up', async () => {
    const key = await seedRegistration(generateCpf());
    lookupsAnswerWith(OTHERS);
    const { location } = await renderConsole(<Console />, { path: `/lookup/key/${key}?env=local` });

    const found = (await screen.findByRole('heading', { name: 'Cadastro encontrado' })).closest('section');
    if (found === null) throw new Error('no result');
    const list = within(found).getByRole('region', { name: 'Rostos semelhantes em outros CPFs' });
    expect(
      within(list)
        .getAllByRole('link')
        .map((link) => [link.textContent, link.getAttribute('href')]),
    ).toEqual(
      OTHERS.map((other) => [
        `CPF ${other.document_number} — ${String(other.similarity_ratio)}% de semelhança`,
        `/lookup/key/${other.registration_key}?env=local`,
      ]),
    );

    await userEvent.click(within(list).getByRole('link', { name: 'CPF ***.456.789-** — 97% de semelhança' }));
    expect(location.history.at(-1)).toBe(`/lookup/key/${OTHERS[0]?.registration_key ?? ''}?env=local`);
    // (A key made up for this test: nothing is registered under it.)
    expect(
      await screen.findByRole('heading', { name: 'Nenhum cadastro tem esta chave neste ambiente. Confira a chave ou consulte pelo CPF.' }),
    ).toBeVisible();
  });

  it('lists them by CPF too', async () => {
    const cpf = generateCpf();
    await seedRegistration(cpf);
    lookupsAnswerWith(OTHERS.slice(0, 1));
    await renderConsole(<Console />, { path: `/lookup/document/${cpf}?env=local` });

    await screen.findByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` });
    const list = similarFaces();
    if (list === null) throw new Error('no similar faces');
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['CPF ***.456.789-** — 97% de semelhança']);
  });

  it.each([
    ['absent', undefined],
    ['empty', []],
  ])('shows nothing of other CPFs when the answer names none (%s)', async (_case, duplicates) => {
    const key = await seedRegistration(generateCpf());
    lookupsAnswerWith(duplicates);
    await renderConsole(<Console />, { path: `/lookup/key/${key}?env=local` });

    await screen.findByRole('heading', { name: 'Cadastro encontrado' });
    expect(screen.getByTestId('registration-key')).toHaveTextContent(key);
    expect(similarFaces()).toBeNull();
    expect(screen.queryByText(/semelhança/)).toBeNull();
  });
});
