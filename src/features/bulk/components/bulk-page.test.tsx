import { act, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { Route } from 'wouter';
import { CONSENT_HEADER } from '../../../../contract/access.ts';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { generateCpf, hideCpf } from '../../../../contract/cpf.ts';
import { imageAnswerSchema, registrationAnswerSchema } from '../../../../contract/registration.ts';
import B001266 from '../../../../fixtures/portraits/B001266.jpg?url';
import E000288 from '../../../../fixtures/portraits/E000288.jpg?url';
import K000305 from '../../../../fixtures/portraits/K000305.jpg?url';
import O000169 from '../../../../fixtures/portraits/O000169.jpg?url';
import { apiRequest } from '../../../api/client.ts';
import { Console } from '../../../app/app.tsx';
import type { EnvironmentInfo } from '../../../lib/environment.tsx';
import { fixture, fixtureBase64 } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs } from '../../../test/session.ts';
import BulkPage from './bulk-page.tsx';

// Issue 16: a batch picked, checked and sent by the test console server (src/test/console-server.ts)
// against its emulator, as a person does it. `production` there is the same emulator over HTTP.

const LOCAL: EnvironmentInfo = { name: 'local', synthetic: true, validation: true };
const PRODUCTION: EnvironmentInfo = { name: 'production', synthetic: false, validation: true };
// The test server's sandbox has a key its upstream (the emulator) refuses (src/test/console-server.ts).
const SANDBOX: EnvironmentInfo = { name: 'sandbox', synthetic: true, validation: false };
// S001198's face is too small for the console's check (fixtures/SOURCES.md): not a ready row.
const PORTRAITS: Record<string, string> = { B001266, E000288, K000305, O000169 };

async function portrait(name: keyof typeof PORTRAITS): Promise<Uint8Array> {
  const url = PORTRAITS[name];
  if (url === undefined) throw new Error(`no portrait ${name}`);
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

async function image(name: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fixture(name)).arrayBuffer());
}

const HEADER = 'document_number;file;consent_term_version;consent_date';
const csv = (rows: string[][]) => [HEADER, ...rows.map((row) => row.join(';'))].join('\r\n');
const consent = [CONSENT_TERM.version, '2025-01-15'];

function zipFile(name: string, entries: Record<string, Uint8Array | string>): File {
  const bytes = zipSync(
    Object.fromEntries(Object.entries(entries).map(([path, content]) => [path, typeof content === 'string' ? strToU8(content) : content])),
    // Photos are stored as they are, as most ZIP tools do for JPEGs.
    { level: 0 },
  );
  return new File([bytes.slice().buffer], name, { type: 'application/zip' });
}

/** Registers a face for the CPF through the API, as a desk would have: the batch finds it registered. */
async function seedRegistration(cpf: string, env: EnvironmentName = 'local'): Promise<string> {
  const { image_key } = await apiRequest(`/${env}/face_recognition/image`, imageAnswerSchema, {
    method: 'POST',
    body: { image: await fixtureBase64('face-single-centered.jpg') },
  });
  return (
    await apiRequest(`/${env}/face_recognition/registration`, registrationAnswerSchema, {
      method: 'POST',
      body: { document_number: cpf, image_key },
      headers: { [CONSENT_HEADER]: CONSENT_TERM.version },
    })
  ).registration_key;
}

async function registrationOf(cpf: string, env: EnvironmentName = 'local') {
  return apiRequest(`/${env}/face_recognition/registration/document_number/${encodeURIComponent(cpf)}`, registrationAnswerSchema);
}

const page = (path: string, environment = LOCAL) =>
  renderConsole(
    <Route path="/bulk/:id?">
      <BulkPage />
    </Route>,
    { path, environment },
  );

/** The summary sentence, once the server's check is over (it runs the face check on each photo). */
const summary = () => screen.findByTestId('bulk-summary', {}, { timeout: 60_000 });

const jobId = (address: string | undefined) => /^\/bulk\/([0-9a-f-]{36})/.exec(address ?? '')?.[1];

describe('the bulk registration page', () => {
  it('checks a ZIP: the counts in a sentence, problems in words with the first rows, then sends the ready rows and links the results', async () => {
    const [good1, good2, other, seeded] = [generateCpf(), generateCpf(), generateCpf(), generateCpf()];
    await seedRegistration(seeded);
    const zip = zipFile('lote-teste.zip', {
      'clientes.csv': csv([
        [good1, 'fotos/B001266.jpg', ...consent],
        [good2, 'fotos/E000288.jpg', ...consent],
        ['123.456.789-00', 'fotos/K000305.jpg', ...consent],
        [other, 'fotos/nao-existe.jpg', ...consent],
        [good1, 'fotos/O000169.jpg', ...consent],
        [generateCpf(), 'fotos/gato.png', ...consent],
        [seeded, 'fotos/A000014.jpg', ...consent],
      ]),
      'fotos/B001266.jpg': await portrait('B001266'),
      'fotos/E000288.jpg': await portrait('E000288'),
      'fotos/K000305.jpg': await portrait('K000305'),
      'fotos/O000169.jpg': await portrait('O000169'),
      'fotos/A000014.jpg': await image('portrait-A000014.jpg'),
      'fotos/gato.png': await image('no-face-cat.png'),
    });

    const { location } = await page('/bulk?env=local');
    expect(screen.getByRole('heading', { level: 1, name: 'Cadastro em lote' })).toBeVisible();
    // What the CSV must have, said before anything is picked.
    expect(screen.getByText(/document_number \(o CPF\), file .* consent_term_version .* consent_date/)).toBeVisible();
    await userEvent.upload(screen.getByLabelText('Escolher ZIP'), zip);
    expect(screen.getByTestId('batch-summary')).toHaveTextContent('ZIP: lote-teste.zip');
    expect(screen.getByTestId('batch-summary')).toHaveTextContent(/Tamanho total: \d+(,\d)? KB/);
    await userEvent.click(screen.getByRole('button', { name: 'Verificar lote' }));

    // The job's own page: its id in the address, nothing else.
    await waitFor(() => expect(jobId(location.history.at(-1))).toBeDefined());
    const id = jobId(location.history.at(-1)) ?? '';
    expect(location.history.at(-1)).toBe(`/bulk/${id}?env=local`);
    expect(await screen.findByRole('heading', { name: 'Lote lote-teste.zip' })).toBeVisible();

    expect(await summary()).toHaveTextContent('2 prontos, 4 com problema, 1 já cadastrado');
    // The milestone, said to screen readers.
    await waitFor(() =>
      expect(screen.getByTestId('announcer')).toHaveTextContent('Verificação concluída: 2 prontos, 4 com problema, 1 já cadastrado.'),
    );
    for (const kind of ['CPF inválido: 1 linha.', 'Foto não encontrada no lote: 1 linha.', 'CPF repetido no lote: 1 linha.']) {
      expect(screen.getByText(kind)).toBeVisible();
    }
    expect(screen.getByText('Foto reprovada na verificação de qualidade: 1 linha.')).toBeVisible();

    const sample = screen.getByRole('table', { name: 'Primeiras linhas com problema' });
    const rows = within(sample).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell')[0]?.textContent)).toEqual(['4', '5', '6', '7']);
    expect(rows[0]).toHaveTextContent('não é um CPF');
    expect(rows[0]).toHaveTextContent('O CPF não é válido');
    expect(rows[1]).toHaveTextContent('fotos/nao-existe.jpg');
    expect(rows[1]).toHaveTextContent(hideCpf(other) ?? 'masked');
    expect(rows[2]).toHaveTextContent(`${hideCpf(good1) ?? 'masked'}fotos/O000169.jpgCPF repetido no lote.`);
    // The face check's reason in the desk's words for a chosen photo.
    expect(rows[3]).toHaveTextContent('Nenhum rosto encontrado na foto.');
    expect(screen.getByRole('link', { name: 'Baixar as linhas com problema (CSV)' })).toHaveAttribute(
      'href',
      `/api/bulk/jobs/${id}/problems.csv`,
    );

    // Starting names the count; pausing at once shows how far it went, resuming ends it.
    await userEvent.click(screen.getByRole('button', { name: 'Enviar 2 cadastros' }));
    const outcome = await screen.findByTestId('job-outcome', {}, { timeout: 30_000 });
    expect(outcome).toHaveTextContent('Envio concluído: 2 cadastrados, 0 recusados pela QI Tech.');
    expect(screen.getByTestId('job-status')).toHaveTextContent('Concluído');
    expect(screen.getByRole('link', { name: 'Baixar o resultado por linha (CSV)' })).toHaveAttribute(
      'href',
      `/api/bulk/jobs/${id}/results.csv`,
    );
    await waitFor(() => expect(screen.getByTestId('announcer')).toHaveTextContent('Envio concluído: 2 cadastrados'));
    expect(within(screen.getByTestId('job-counts')).getByText('Cadastrados').nextElementSibling).toHaveTextContent('2');

    // Each good row registered, in the environment of the page; the CPF already registered left alone.
    await expect(registrationOf(good1)).resolves.toHaveProperty('registration_key');
    await expect(registrationOf(good2)).resolves.toHaveProperty('registration_key');

    // Back to the list: the job is found again there, with a link to it.
    await userEvent.click(screen.getByRole('link', { name: 'Voltar ao cadastro em lote' }));
    const recent = await screen.findByRole('table', { name: 'Lotes recentes, do mais novo ao mais antigo' });
    const link = within(recent).getAllByRole('link', { name: 'lote-teste.zip' })[0];
    expect(link).toHaveAttribute('href', `/bulk/${id}?env=local`);
    expect(link?.closest('tr')).toHaveTextContent('Concluído');

    // No CPF in any address the page took, nor in the browser's storage.
    const stored = [localStorage, sessionStorage]
      .flatMap((storage) => Array.from({ length: storage.length }, (_, index) => storage.getItem(storage.key(index) ?? '') ?? ''))
      .join(' ');
    for (const cpf of [good1, good2, other, seeded]) {
      const digits = cpf.replace(/\D/g, '');
      for (const address of [...location.history, window.location.href]) {
        expect(address).not.toContain(digits);
        expect(address).not.toContain(cpf);
      }
      expect(stored).not.toContain(digits);
    }
  }, 120_000);

  it('shows a sending job’s progress, pauses and resumes it', async () => {
    const names = ['B001266', 'E000288', 'K000305', 'O000169'] as const;
    const entries: Record<string, Uint8Array | string> = {};
    const rows: string[][] = [];
    for (const name of names) {
      entries[`${name}.jpg`] = await portrait(name);
      rows.push([generateCpf(), `${name}.jpg`, ...consent]);
    }
    for (const name of ['portrait-A000014.jpg', 'portrait-A000055.jpg', 'portrait-B001270.jpg', 'portrait-H001053.jpg']) {
      entries[name] = await image(name);
      rows.push([generateCpf(), name, ...consent]);
    }
    entries['lote.csv'] = csv(rows);
    await page('/bulk?env=local');
    await userEvent.upload(screen.getByLabelText('Escolher ZIP'), zipFile('nove.zip', entries));
    await userEvent.click(screen.getByRole('button', { name: 'Verificar lote' }));
    expect(await summary()).toHaveTextContent('8 prontos, 0 com problema, 0 já cadastrados');

    await userEvent.click(screen.getByRole('button', { name: 'Enviar 8 cadastros' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Pausar' }));
    expect(await screen.findByRole('button', { name: 'Retomar' })).toBeVisible();
    expect(screen.getByTestId('job-status')).toHaveTextContent('Pausado');
    const progress = screen.getByRole('progressbar', { name: 'Envio dos cadastros' });
    expect(Number(progress.getAttribute('aria-valuenow'))).toBeLessThan(100);
    expect(progress.getAttribute('aria-valuetext')).toMatch(/^\d de 8 cadastros enviados$/);
    expect(screen.getByText(/^Pausado: nada é enviado/)).toBeVisible();

    await userEvent.click(screen.getByRole('button', { name: 'Retomar' }));
    expect(await screen.findByTestId('job-outcome', {}, { timeout: 30_000 })).toHaveTextContent(
      'Envio concluído: 8 cadastrados, 0 recusados pela QI Tech.',
    );
  }, 120_000);

  it('says in its own words why the console paused a check, shows how far it got, and resumes it', async () => {
    const zip = zipFile('sandbox.zip', {
      'clientes.csv': csv([
        [generateCpf(), 'B001266.jpg', ...consent],
        [generateCpf(), 'E000288.jpg', ...consent],
      ]),
      'B001266.jpg': await portrait('B001266'),
      'E000288.jpg': await portrait('E000288'),
    });
    await page('/bulk?env=sandbox', SANDBOX);
    await userEvent.upload(screen.getByLabelText('Escolher ZIP'), zip);
    await userEvent.click(screen.getByRole('button', { name: 'Verificar lote' }));

    // The look-up of the first CPF is refused for the console's key: the check pauses, nothing checked.
    const reason = /^O console pausou a verificação: o serviço da QI Tech recusou a chave de API do console para este ambiente\./;
    expect(await screen.findByText(reason, {}, { timeout: 60_000 })).toBeVisible();
    expect(screen.getByTestId('job-status')).toHaveTextContent('Pausado');
    expect(screen.getByRole('progressbar', { name: 'Verificação das linhas' })).toHaveAttribute(
      'aria-valuetext',
      'Verificando 0 de 2 linhas',
    );
    // No summary of a check that is not over, and no sending that never began.
    expect(screen.queryByTestId('bulk-summary')).toBeNull();
    expect(screen.queryByRole('progressbar', { name: 'Envio dos cadastros' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Baixar o resultado por linha (CSV)' })).toBeNull();

    // Resumed, it checks again (and, the key still refused, pauses again).
    await userEvent.click(screen.getByRole('button', { name: 'Retomar' }));
    await waitFor(() => expect(screen.getByTestId('job-status')).toHaveTextContent('Verificando as linhas'));
    expect(await screen.findByText(reason, {}, { timeout: 30_000 })).toBeVisible();

    // Cancelled: its rows not checked are not sent either.
    await userEvent.click(screen.getByRole('button', { name: 'Cancelar o lote' }));
    expect(screen.getByRole('alertdialog', { name: 'Cancelar este lote?' })).toHaveTextContent(
      'As 2 linhas ainda não enviadas ficam sem envio',
    );
  }, 120_000);

  it('in production: a registrar is told an administrator must confirm; the administrator types the count to send', async () => {
    const cpfs = [generateCpf(), generateCpf()];
    const zip = zipFile('producao.zip', {
      'lote/clientes.csv': csv([
        [cpfs[0] ?? '', 'B001266.jpg', ...consent],
        [cpfs[1] ?? '', 'E000288.jpg', ...consent],
      ]),
      'lote/B001266.jpg': await portrait('B001266'),
      'lote/E000288.jpg': await portrait('E000288'),
    });
    const registrar = await page('/bulk?env=production', PRODUCTION);
    expect(screen.getByText('O lote será verificado e enviado no ambiente Produção.')).toBeVisible();
    await userEvent.upload(screen.getByLabelText('Escolher ZIP'), zip);
    await userEvent.click(screen.getByRole('button', { name: 'Verificar lote' }));
    expect(await summary()).toHaveTextContent('2 prontos, 0 com problema, 0 já cadastrados');
    expect(screen.getByText(/^Este lote é de produção: o envio precisa ser confirmado por um administrador/)).toBeVisible();
    expect(screen.queryByRole('button', { name: /^Enviar/ })).toBeNull();
    const address = registrar.location.history.at(-1) ?? '';
    registrar.unmount();

    await logInAs('admin');
    await page(address, PRODUCTION);
    await userEvent.click(await screen.findByRole('button', { name: 'Enviar 2 cadastros em PRODUÇÃO…' }));
    const dialog = screen.getByRole('dialog', { name: 'Confirmar o envio em produção' });
    expect(dialog).toHaveTextContent('Serão enviados 2 cadastros ao ambiente Produção');
    const confirm = within(dialog).getByRole('button', { name: 'Confirmar envio' });
    const count = within(dialog).getByLabelText('Número de cadastros a enviar');
    expect(confirm).toBeDisabled();
    await userEvent.type(count, '3');
    expect(confirm).toBeDisabled();
    expect(within(dialog).getByText('O número digitado não é 2.')).toBeVisible();
    await userEvent.clear(count);
    await userEvent.type(count, '2');
    expect(confirm).toBeEnabled();
    await userEvent.click(confirm);

    expect(await screen.findByTestId('job-outcome', {}, { timeout: 30_000 })).toHaveTextContent('Envio concluído: 2 cadastrados');
    expect(screen.getByText(/Envio iniciado em .* por test-admin/)).toBeVisible();
    for (const cpf of cpfs) await expect(registrationOf(cpf, 'production')).resolves.toHaveProperty('registration_key');
  }, 120_000);

  it('says why the server refused an upload, in a sentence, keeping the batch for another try', async () => {
    await page('/bulk?env=local');
    const photo = new File([(await portrait('B001266')).slice().buffer], 'B001266.jpg', { type: 'image/jpeg' });
    const noConsent = new File([`document_number;file\r\n${generateCpf()};B001266.jpg`], 'clientes.csv', { type: 'text/csv' });
    await userEvent.upload(screen.getByLabelText('Escolher CSV e fotos'), [noConsent, photo]);
    expect(screen.getByTestId('batch-summary')).toHaveTextContent('CSV: clientes.csv1 foto');
    await userEvent.click(screen.getByRole('button', { name: 'Verificar lote' }));

    const refusal = await screen.findByRole('alert');
    expect(refusal).toHaveTextContent('O lote não foi recebido');
    expect(refusal).toHaveTextContent(
      'A primeira linha do CSV precisa nomear as colunas document_number, file, consent_term_version e consent_date',
    );
    expect(refusal).toHaveTextContent('consent_term_version, consent_date');
    // Nothing picked is lost: the same batch is there, ready to be sent again.
    expect(screen.getByTestId('batch-summary')).toHaveTextContent('CSV: clientes.csv');
    expect(screen.getByRole('button', { name: 'Verificar lote' })).toBeEnabled();

    // A ZIP without its CSV: the server's sentence too.
    await userEvent.upload(screen.getByLabelText('Escolher ZIP'), zipFile('so-fotos.zip', { 'B001266.jpg': await portrait('B001266') }));
    expect(screen.queryByRole('alert')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Verificar lote' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Não há um CSV no que foi enviado.');
  }, 60_000);

  it('refuses at once a pick the server could not take, naming what is wrong, and uploads nothing', async () => {
    await page('/bulk?env=local');
    const a = new File(['x'], 'a.csv', { type: 'text/csv' });
    const b = new File(['y'], 'b.csv', { type: 'text/csv' });
    await userEvent.upload(screen.getByLabelText('Escolher CSV e fotos'), [a, b]);
    expect(screen.getByRole('alert')).toHaveTextContent('Há mais de um CSV entre os arquivos escolhidos (a.csv, b.csv).');
    expect(screen.queryByRole('button', { name: 'Verificar lote' })).toBeNull();
  });

  it('names the photos of a folder by their path in it, without the folder', async () => {
    await page('/bulk?env=local');
    const inFolder = (content: string, path: string, type: string) => {
      const file = new File([content], path.split('/').at(-1) ?? path, { type });
      Object.defineProperty(file, 'webkitRelativePath', { value: path });
      return file;
    };
    await userEvent.upload(screen.getByLabelText('Escolher pasta'), [
      inFolder('csv', 'lote/clientes.csv', 'text/csv'),
      inFolder('jpg', 'lote/fotos/1.jpg', 'image/jpeg'),
      inFolder('jpg', 'lote/fotos/2.jpg', 'image/jpeg'),
      inFolder('pdf', 'lote/termos.pdf', 'application/pdf'),
    ]);
    const picked = screen.getByTestId('batch-summary');
    expect(picked).toHaveTextContent('CSV: clientes.csv');
    expect(picked).toHaveTextContent('2 fotos');
    expect(picked).toHaveTextContent('Ficaram de fora 1 arquivo(s) que não são fotos nem CSV: termos.pdf.');
  });
});

describe('the way to the page', () => {
  it('is in the navigation of a registrar, and opens the page', async () => {
    await renderConsole(<Console />, { path: '/?env=local' });
    const nav = await screen.findByRole('navigation', { name: 'Navegação principal' });
    await userEvent.click(within(nav).getByRole('link', { name: 'Cadastro em lote' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Cadastro em lote' })).toBeVisible();
    expect(within(nav).getByRole('link', { name: 'Cadastro em lote' })).toHaveAttribute('aria-current', 'page');
    expect(await screen.findByRole('heading', { name: 'Lotes recentes' })).toBeVisible();
  });

  it('is not for support, which is told so', async () => {
    await logInAs('support');
    const { location } = await renderConsole(<Console />, { path: '/lookup?env=local' });
    const nav = await screen.findByRole('navigation', { name: 'Navegação principal' });
    expect(within(nav).queryByRole('link', { name: 'Cadastro em lote' })).toBeNull();
    act(() => location.navigate('/bulk?env=local'));
    expect(await screen.findByRole('heading', { name: 'Acesso não permitido' })).toBeVisible();
    expect(screen.getByRole('alert')).toHaveTextContent('Seu perfil (Suporte) não permite cadastrar em lote.');
  });
});
