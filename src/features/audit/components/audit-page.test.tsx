import { act, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONSENT_HEADER, FACE_CHECK_OVERRIDE_HEADER } from '../../../../contract/access.ts';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { generateCpf } from '../../../../contract/cpf.ts';
import { imageAnswerSchema, registrationAnswerSchema } from '../../../../contract/registration.ts';
import { ApiError, apiRequest } from '../../../api/client.ts';
import { registrationQueries } from '../../../api/registrations.ts';
import { carryCpf } from '../../../lib/carried-cpf.ts';
import { changeLanguage } from '../../../lib/i18n/i18n.ts';
import { fixtureBase64 } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs, testAccount } from '../../../test/session.ts';
import AuditPage from './audit-page.tsx';
import { QueryClient } from '@tanstack/react-query';

// The real trail of the test server: the registrar works, then the admin reads what was done.
// Each test follows a CPF of its own, so the other test files' entries never get in the way.

/**
 * Registers a face for this CPF in local as the logged-in account; its registration key. With an
 * override, as the console sends a picture its face check refused.
 */
async function register(cpf: string, override?: string): Promise<string> {
  const image = await fixtureBase64('face-single-centered.jpg');
  const { image_key } = await apiRequest('/local/face_recognition/image', imageAnswerSchema, { method: 'POST', body: { image } });
  const answer = await apiRequest('/local/face_recognition/registration', registrationAnswerSchema, {
    method: 'POST',
    body: { document_number: cpf, image_key },
    headers: { [CONSENT_HEADER]: CONSENT_TERM.version, ...(override === undefined ? {} : { [FACE_CHECK_OVERRIDE_HEADER]: override }) },
  });
  return answer.registration_key;
}

/** Looks the CPF up as the console does (an audited lookup_document). */
async function lookUp(cpf: string): Promise<void> {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  await client.query(registrationQueries.byDocument('local', cpf));
}

const masked = (cpf: string) => `***.${cpf.slice(4, 7)}.${cpf.slice(8, 11)}-**`;
const table = () => screen.getByRole('table', { name: 'Registros da auditoria, do mais recente ao mais antigo' });
const bodyRows = () => within(table()).getAllByRole('row').slice(1);
/** The texts of the cells of a row of the table's body (0: the newest shown). */
function cells(index: number): string[] {
  const row = bodyRows()[index];
  if (row === undefined) throw new Error(`no row ${String(index)}`);
  return within(row)
    .getAllByRole('cell')
    .map((cell) => cell.textContent);
}

/**
 * The page opened with a CPF in its history entry's state, as the filter leaves it there (and a
 * reload, Back or Forward brings it back): never in the address.
 */
const carrying = (cpf: string, path = '/audit') => ({ path, state: carryCpf(cpf) });

/** Every address the page asked the server for (the list's pages, the CPF's key), as fetch saw them. */
function requestedAddresses(): string[] {
  const original = window.fetch.bind(window);
  const addresses: string[] = [];
  vi.spyOn(window, 'fetch').mockImplementation((input, init) => {
    addresses.push(input instanceof Request ? input.url : String(input));
    return original(input, init);
  });
  return addresses;
}
afterEach(() => {
  vi.restoreAllMocks();
});

/** A text as someone hunting for a CPF would read it: percent-escapes undone, separators dropped. */
const digitsOf = (text: string) => decodeURIComponent(text).replace(/[.\-\s+_,]/g, '');

/** A day on São Paulo's calendar, as the date inputs and the address give it. */
const saoPauloDay = (offsetDays = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo' }).format(new Date(Date.now() + offsetDays * 86_400_000));

describe('the audit page', () => {
  it('lists what was done, newest first, with the masked CPF, the key, the outcome and the consent version', async () => {
    const cpf = generateCpf();
    await lookUp(cpf);
    const key = await register(cpf);
    await logInAs('admin');
    await renderConsole(<AuditPage />, carrying(cpf));

    await screen.findByRole('table');
    expect(bodyRows()).toHaveLength(2);
    const registrar = testAccount('registrar').name;
    expect(cells(0)).toEqual([
      expect.stringMatching(/^\d{2}\/\d{2}\/\d{4},? \d{2}:\d{2}:\d{2}$/),
      registrar,
      'Cadastro de rosto',
      'Local (emulador)',
      masked(cpf),
      key,
      'Concluído',
      '201',
      CONSENT_TERM.version,
    ]);
    expect(cells(1)).toEqual([
      expect.stringMatching(/^\d{2}\/\d{2}\/\d{4}/),
      registrar,
      'Consulta pelo CPF',
      'Local (emulador)',
      masked(cpf),
      '—',
      // No registration yet: the emulator's 404, as the console answered it, in words and as its code.
      'Cadastro não encontrado registration_not_found',
      '404',
      '—',
    ]);
    expect(screen.getByText('Registros mostrados: 2', { selector: 'p' })).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Carregar mais antigos' })).toBeNull();
  });

  it('shows each outcome in words, in the interface language, with its code beside it', async () => {
    const cpf = generateCpf();
    await lookUp(cpf);
    await logInAs('admin');
    await renderConsole(<AuditPage />, carrying(cpf));
    await screen.findByRole('table');
    const [outcome] = cells(0).slice(6);
    expect(outcome).toBe('Cadastro não encontrado registration_not_found');
    // The code itself, as the CSV's code column and the logs have it.
    expect(within(table()).getByText('registration_not_found').tagName).toBe('CODE');
    await act(() => changeLanguage('en'));
    try {
      const row = within(screen.getByRole('table')).getAllByRole('row')[1];
      expect(within(row ?? document.body).getAllByRole('cell')[6]).toHaveTextContent(/^Registration not found registration_not_found$/);
    } finally {
      await act(() => changeLanguage('pt-BR'));
    }
  });

  it('filters by environment: every one by default, or one chosen, in the list and the CSV', async () => {
    const cpf = generateCpf();
    await lookUp(cpf);
    await logInAs('admin');
    // The header's environment (`env`) is where one works; the trail shows every environment until one is chosen.
    const { location } = await renderConsole(<AuditPage />, carrying(cpf, '/audit?env=sandbox'));
    await screen.findByRole('table');
    expect(screen.getByLabelText('Ambiente do registro')).toHaveValue('');
    expect(bodyRows()).toHaveLength(1);
    expect(cells(0)[3]).toBe('Local (emulador)');

    await userEvent.selectOptions(screen.getByLabelText('Ambiente do registro'), 'Sandbox (QI Tech)');
    await userEvent.click(screen.getByRole('button', { name: 'Filtrar' }));
    await waitFor(() => expect(location.history.at(-1)).toBe('/audit?env=sandbox&environment=sandbox'));
    expect(await screen.findByText('Nenhum registro para estes filtros', { selector: 'p' })).toBeVisible();
    const link = screen.getByRole('link', { name: 'Exportar CSV' });
    expect(link.getAttribute('href')).toMatch(/^\/api\/admin\/audit\.csv\?cpf_hash=[\w-]{43}&environment=sandbox$/);
    expect((await (await fetch(link.getAttribute('href') ?? '')).text()).trim().split(/\r\n/)).toHaveLength(1);

    await userEvent.selectOptions(screen.getByLabelText('Ambiente do registro'), 'Local (emulador)');
    await userEvent.click(screen.getByRole('button', { name: 'Filtrar' }));
    await screen.findByRole('table');
    expect(bodyRows()).toHaveLength(1);
    expect(screen.getByLabelText('Ambiente do registro')).toHaveValue('local');
  });

  it('says when a picture was sent although the console’s face check refused it, in the page and the CSV', async () => {
    const cpf = generateCpf();
    await register(cpf, 'face_too_small');
    await register(cpf);
    await logInAs('admin');
    await renderConsole(<AuditPage />, carrying(cpf));
    await screen.findByRole('table');
    expect(bodyRows()).toHaveLength(2);
    expect(cells(0)[6]).toBe('Concluído');
    expect(cells(1)[6]).toBe('Concluído · enviado apesar de face_too_small');

    const csv = await (await fetch(screen.getByRole('link', { name: 'Exportar CSV' }).getAttribute('href') ?? '')).text();
    const lines = csv.trim().split(/\r\n/);
    expect(lines[0]).toMatch(/;Verificação facial;Lote$/);
    expect(lines[1]).toMatch(/;$/);
    expect(lines[2]).toMatch(/;enviado apesar de face_too_small;$/);
    const english = screen.getByRole('link', { name: 'Exportar CSV em inglês (vírgulas, horário UTC)' });
    const en = (await (await fetch(english.getAttribute('href') ?? '')).text()).trim().split(/\r\n/);
    expect(en[0]).toMatch(/,face_check_override,bulk_job$/);
    expect(en[2]).toMatch(/,sent despite face_too_small,$/);
  });

  it('filters by action and CPF, the CPF never in the page’s address, a request’s address or the CSV links', async () => {
    const cpf = generateCpf();
    await lookUp(cpf);
    const key = await register(cpf);
    await logInAs('admin');
    const requested = requestedAddresses();
    const { location } = await renderConsole(<AuditPage />, { path: '/audit?env=local' });
    await screen.findByRole('table');

    await userEvent.type(screen.getByLabelText('CPF'), '123');
    await userEvent.click(screen.getByRole('button', { name: 'Filtrar' }));
    expect(screen.getByText('O CPF tem 11 dígitos, como 123.456.789-09.')).toBeVisible();
    expect(screen.getByLabelText('CPF')).toHaveFocus();
    expect(location.history.at(-1)).toBe('/audit?env=local');

    // By keyboard: the CPF's digits, the action, Enter in a field.
    await userEvent.clear(screen.getByLabelText('CPF'));
    await userEvent.type(screen.getByLabelText('CPF'), cpf.replace(/\D/g, ''));
    await userEvent.selectOptions(screen.getByLabelText('Ação'), 'Cadastro de rosto');
    await userEvent.type(screen.getByLabelText('CPF'), '{Enter}');

    // The other filters in the address; the CPF in the history entry's state, and in the form.
    await waitFor(() => expect(location.history.at(-1)).toBe('/audit?env=local&action=register'));
    expect(window.history.state).toEqual({ cpf });
    await waitFor(() => expect(bodyRows()).toHaveLength(1));
    expect(cells(0)[5]).toBe(key);
    expect(screen.getByLabelText('CPF')).toHaveValue(cpf);

    const link = screen.getByRole('link', { name: 'Exportar CSV' });
    const english = screen.getByRole('link', { name: 'Exportar CSV em inglês (vírgulas, horário UTC)' });
    expect(link.getAttribute('href')).toMatch(/^\/api\/admin\/audit\.csv\?cpf_hash=[\w-]{43}&action=register$/);
    expect(link).toHaveAttribute('download');
    const csv = await (await fetch(link.getAttribute('href') ?? '')).text();
    const lines = csv.trim().split(/\r\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(key);
    expect(lines[1]).toContain(masked(cpf));

    // The CPF itself travelled once, in a body; no address the page made or asked for holds it.
    expect(requested.filter((address) => address.includes('/api/admin/audit/cpf-hash'))).toHaveLength(1);
    const addresses = [...location.history, ...requested, link.getAttribute('href') ?? '', english.getAttribute('href') ?? ''];
    expect(addresses.length).toBeGreaterThan(4);
    expect(addresses.filter((address) => digitsOf(address).includes(cpf.replace(/\D/g, '')))).toEqual([]);

    // A CPF nobody touched.
    await userEvent.clear(screen.getByLabelText('CPF'));
    await userEvent.type(screen.getByLabelText('CPF'), generateCpf().replace(/\D/g, ''));
    await userEvent.click(screen.getByRole('button', { name: 'Filtrar' }));
    expect(await screen.findByText('Nenhum registro para estes filtros', { selector: 'p' })).toBeVisible();
    expect(screen.queryByRole('table')).toBeNull();

    // Cleared: no CPF left in the history entry either.
    await userEvent.click(screen.getByRole('button', { name: 'Limpar filtros' }));
    await waitFor(() => expect(location.history.at(-1)).toBe('/audit?env=local'));
    expect(window.history.state).toBeNull();
    expect(screen.getByLabelText('CPF')).toHaveValue('');
    // The field says why a copied link does not carry the CPF.
    expect(screen.getByLabelText('CPF')).toHaveAccessibleDescription(
      'O CPF completo. Ele não vai para o endereço da página: um link copiado leva os outros filtros, não o CPF.',
    );
  });

  it('takes the CPF of an older link (`?cpf=`) out of the address at once, and still filters by it', async () => {
    const cpf = generateCpf();
    await lookUp(cpf);
    await logInAs('admin');
    const { location } = await renderConsole(<AuditPage />, { path: `/audit?env=local&cpf=${cpf}&action=lookup_document` });
    await waitFor(() => expect(location.history.at(-1)).toBe('/audit?env=local&action=lookup_document'));
    // Replaced, not pushed: Back does not lead to the address with the CPF.
    expect(location.history).toEqual(['/audit?env=local&action=lookup_document']);
    expect(window.history.state).toEqual({ cpf });
    await screen.findByRole('table');
    expect(bodyRows()).toHaveLength(1);
    expect(cells(0)[4]).toBe(masked(cpf));
    expect(screen.getByLabelText('CPF')).toHaveValue(cpf);
  });

  it('opens a shared link with its filters (a CPF from its history entry), periods counted in São Paulo days', async () => {
    const cpf = generateCpf();
    const key = await register(cpf);
    await logInAs('admin');
    const today = saoPauloDay();
    const { unmount } = await renderConsole(<AuditPage />, carrying(cpf, `/audit?action=register&from=${today}&to=${today}`));
    await screen.findByRole('table');
    expect(bodyRows()).toHaveLength(1);
    expect(cells(0)[5]).toBe(key);
    expect(screen.getByLabelText('CPF')).toHaveValue(cpf);
    expect(screen.getByLabelText('Ação')).toHaveValue('register');
    expect(screen.getByLabelText('De')).toHaveValue(today);
    expect(screen.getByLabelText('Até')).toHaveValue(today);
    unmount();

    await renderConsole(<AuditPage />, carrying(cpf, `/audit?to=${saoPauloDay(-1)}`));
    expect(await screen.findByText('Nenhum registro para estes filtros', { selector: 'p' })).toBeVisible();
  });

  it('loads older entries fifty at a time', async () => {
    const cpf = generateCpf();
    for (let batch = 0; batch < 5; batch += 1) await Promise.all(Array.from({ length: 11 }, () => lookUp(cpf)));
    await logInAs('admin');
    await renderConsole(<AuditPage />, carrying(cpf, '/audit?action=lookup_document'));
    await screen.findByRole('table');
    expect(bodyRows()).toHaveLength(50);
    const more = screen.getByRole('button', { name: 'Carregar mais antigos' });
    await userEvent.click(more);
    await waitFor(() => expect(bodyRows()).toHaveLength(55));
    expect(screen.getByText('Registros mostrados: 55', { selector: 'p' })).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Carregar mais antigos' })).toBeNull();
    await waitFor(() => expect(screen.getByText('Não há registros mais antigos.')).toHaveFocus());
    const times = bodyRows().map((row) => row.querySelector('time')?.getAttribute('datetime') ?? '');
    // Newest first throughout.
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('says so when the trail cannot be read (the server refuses it to a registrar)', async () => {
    await renderConsole(<AuditPage />, { path: '/audit' });
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Não foi possível carregar a auditoria.Seu perfil não permite fazer isto. Se o seu trabalho precisa, peça a um administrador do console.',
    );
    const refused: unknown = await apiRequest('/admin/audit', registrationAnswerSchema).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).title).toBe('forbidden');
  });
});
