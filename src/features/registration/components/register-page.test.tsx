import { QueryClient } from '@tanstack/react-query';
import { act, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { cpfProblem, generateCpf } from '../../../../contract/cpf.ts';
import { CONSENT_HEADER } from '../../../../contract/access.ts';
import { auditAnswerSchema } from '../../../../contract/access-admin.ts';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { imageAnswerSchema, registrationAnswerSchema } from '../../../../contract/registration.ts';
import { apiRequest } from '../../../api/client.ts';
import { registrationQueries } from '../../../api/registrations.ts';
import { changeLanguage } from '../../../lib/i18n/i18n.ts';
import { fixture, fixtureBase64 } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs, testAccount } from '../../../test/session.ts';
import { RegisterPage } from './register-page.tsx';

/** The submit button: "Cadastrar rosto", or in production "Cadastrar <CPF> em PRODUÇÃO". */
const submitButton = () => screen.getByRole('button', { name: /^Cadastrar (rosto|.*em PRODUÇÃO)$/ });
const submit = () => userEvent.click(submitButton());

const PRODUCTION = { name: 'production', synthetic: false, validation: false } as const;

/** An image key for a real face, from the environment's own /image (the test server's emulator). */
async function imageKey(env: EnvironmentName): Promise<string> {
  const image = await fixtureBase64('face-single-centered.jpg');
  return (await apiRequest(`/${env}/face_recognition/image`, imageAnswerSchema, { method: 'POST', body: { image } })).image_key;
}

/** Registers the CPF through the API, as another desk would have, and gives its key. */
async function seedRegistration(env: EnvironmentName, cpf: string): Promise<string> {
  const body = { document_number: cpf, image_key: await imageKey(env) };
  const headers = { [CONSENT_HEADER]: CONSENT_TERM.version };
  return (await apiRequest(`/${env}/face_recognition/registration`, registrationAnswerSchema, { method: 'POST', body, headers }))
    .registration_key;
}

/** The CPF's newest registration key as the server has it now (null: none). */
async function registeredKey(env: EnvironmentName, cpf: string): Promise<string | null> {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return (await client.query(registrationQueries.byDocument(env, cpf)))?.registration_key ?? null;
}

const CONSENT_LABEL = `O cliente leu e aceitou o termo de consentimento (versão ${CONSENT_TERM.version})`;
const acceptConsent = () => userEvent.click(screen.getByRole('checkbox', { name: CONSENT_LABEL }));

/** Fills the CPF (typed as digits, as a person does), the customer's consent and an image key. */
async function fillForm(cpf: string, key: string) {
  await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
  await acceptConsent();
  await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
  await userEvent.type(await screen.findByLabelText('Chave de imagem (image_key)'), key);
}

describe('the register form', () => {
  it('asks for the CPF, then names what is wrong with it, in Portuguese', async () => {
    await renderConsole(<RegisterPage />);
    await submit();
    const field = screen.getByLabelText('CPF do cliente');
    expect(await screen.findByText('Informe o CPF do cliente.')).toBeVisible();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveFocus();
    await userEvent.type(field, '11111111111');
    expect(await screen.findByText(/todos os dígitos iguais não é válido/)).toBeVisible();
    await userEvent.clear(field);
    await userEvent.type(field, '52998224726');
    expect(await screen.findByText(/dígitos verificadores/)).toBeVisible();
    // The message follows the correction without another submit.
    await userEvent.type(field, '{Backspace}5');
    await waitFor(() => expect(screen.queryByText(/dígitos verificadores/)).toBeNull());
    expect(field).toHaveAttribute('aria-invalid', 'false');
  });

  it('fills a valid synthetic CPF in environments with synthetic data, and never in production', async () => {
    const { unmount } = await renderConsole(<RegisterPage />);
    await userEvent.click(screen.getByRole('button', { name: 'Gerar CPF de teste' }));
    const value = screen.getByLabelText<HTMLInputElement>('CPF do cliente').value;
    expect(value).toMatch(/^\d{3}\.\d{3}\.\d{3}-\d{2}$/);
    expect(cpfProblem(value)).toBeNull();
    unmount();
    await renderConsole(<RegisterPage />, { environment: { name: 'production', synthetic: false, validation: false } });
    expect(screen.queryByRole('button', { name: 'Gerar CPF de teste' })).toBeNull();
  });

  it('wants a picture before anything is sent', async () => {
    await renderConsole(<RegisterPage />);
    await userEvent.click(screen.getByRole('button', { name: 'Gerar CPF de teste' }));
    await acceptConsent();
    await submit();
    expect(await screen.findByRole('alert')).toHaveTextContent('Capture ou escolha uma foto antes de cadastrar.');
    expect(screen.getByRole('group', { name: 'Foto do cliente' })).toHaveFocus();
  });

  it('says everything missing at once: CPF, consent and picture on the first submit', async () => {
    await renderConsole(<RegisterPage />);
    await submit();
    expect(await screen.findByText('Informe o CPF do cliente.')).toBeVisible();
    expect(screen.getByText(/Marque o aceite do termo de consentimento/)).toBeVisible();
    expect(screen.getByText('Capture ou escolha uma foto antes de cadastrar.')).toBeVisible();
  });

  it('explains the camera before the browser asks for it', async () => {
    await renderConsole(<RegisterPage />);
    expect(screen.getByText(/A câmera só é ligada quando você clicar em “Ativar câmera”/)).toBeVisible();
    expect(screen.queryByLabelText(/Imagem ao vivo da câmera/)).toBeNull();
  });

  it('checks the image key, and shows the emulator refusal of an unknown one in Portuguese, keeping the form', async () => {
    await renderConsole(<RegisterPage />);
    await userEvent.click(screen.getByRole('button', { name: 'Gerar CPF de teste' }));
    await acceptConsent();
    await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
    const key = await screen.findByLabelText('Chave de imagem (image_key)');
    await userEvent.type(key, 'abc');
    await submit();
    expect(await screen.findByText(/A chave de imagem é um UUID/)).toBeVisible();

    await userEvent.clear(key);
    await userEvent.type(key, '0B7E7C43-1D7E-4C39-8F1F-0E1F5D6B2A11');
    await submit();
    const heading = await screen.findByRole('heading', { name: 'O cadastro não foi concluído' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(screen.getByRole('alert')).toHaveTextContent('Esta chave de imagem não existe neste ambiente.');
    // What was kept is the key, not a photo; and sending the same key again would only be refused again.
    expect(
      screen.getByText(
        'O CPF e a chave de imagem foram mantidos. Enviar a mesma chave de novo teria a mesma recusa: corrija a chave ou obtenha outra.',
      ),
    ).toBeVisible();
    expect(screen.queryByText(/a foto foram mantidos/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Tentar novamente' })).toBeNull();
    // Nothing the person typed was lost.
    expect(screen.getByLabelText('Chave de imagem (image_key)')).toHaveValue('0B7E7C43-1D7E-4C39-8F1F-0E1F5D6B2A11');
    expect(cpfProblem(screen.getByLabelText<HTMLInputElement>('CPF do cliente').value)).toBeNull();
    expect(screen.getByRole('checkbox', { name: CONSENT_LABEL })).toBeChecked();
  });
});

describe('the consent term', () => {
  it('is shown with its version, must be accepted, goes with the registration to the audit trail, and is asked again for the next customer', async () => {
    const cpf = generateCpf();
    const key = await imageKey('local');
    await renderConsole(<RegisterPage />);
    expect(screen.getByRole('group', { name: `Termo de consentimento (versão ${CONSENT_TERM.version})` })).toHaveTextContent(
      CONSENT_TERM['pt-BR'],
    );
    await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
    await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
    await userEvent.type(await screen.findByLabelText('Chave de imagem (image_key)'), key);
    await submit();

    const checkbox = screen.getByRole('checkbox', { name: CONSENT_LABEL });
    expect(await screen.findByText('Marque o aceite do termo de consentimento: sem ele o rosto não pode ser cadastrado.')).toBeVisible();
    expect(checkbox).toHaveAttribute('aria-invalid', 'true');
    expect(checkbox).toHaveAccessibleDescription('Marque o aceite do termo de consentimento: sem ele o rosto não pode ser cadastrado.');
    expect(checkbox).toHaveFocus();
    expect(await registeredKey('local', cpf)).toBeNull();

    await userEvent.keyboard(' ');
    await waitFor(() => expect(screen.queryByText(/Marque o aceite do termo/)).toBeNull());
    await submit();
    expect(await screen.findByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
    const created = screen.getByTestId('registration-key').textContent;

    // The trail keeps, with the registration, the version the customer accepted (the header sent).
    await logInAs('admin');
    const { entries } = await apiRequest(`/admin/audit?action=register&cpf=${cpf}`, auditAnswerSchema);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: testAccount('registrar').name,
      environment: 'local',
      registration_key: created,
      consent_term: CONSENT_TERM.version,
      outcome: 'ok',
      status: 201,
    });

    // A fresh form under the banner: the next customer accepts the term for themselves.
    expect(screen.getByRole('checkbox', { name: CONSENT_LABEL })).not.toBeChecked();
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue('');
  });

  it('stays in Portuguese, the customer’s language, when the console is in English; English only on demand', async () => {
    await renderConsole(<RegisterPage />);
    await act(() => changeLanguage('en'));
    try {
      const term = screen.getByTestId('consent-term');
      expect(term).toHaveTextContent(CONSENT_TERM['pt-BR']);
      expect(term).toHaveAttribute('lang', 'pt-BR');
      // The staff member's own words follow the interface.
      expect(screen.getByRole('group', { name: `Consent term (version ${CONSENT_TERM.version})` })).toBeVisible();
      expect(
        screen.getByRole('checkbox', { name: `The customer has read and accepted the consent term (version ${CONSENT_TERM.version})` }),
      ).toBeVisible();

      await userEvent.click(screen.getByRole('button', { name: 'Show the term in English' }));
      expect(term).toHaveTextContent(CONSENT_TERM.en);
      expect(term).toHaveAttribute('lang', 'en');
      await userEvent.click(screen.getByRole('button', { name: 'Show the term in Portuguese' }));
      expect(term).toHaveTextContent(CONSENT_TERM['pt-BR']);
    } finally {
      await act(() => changeLanguage('pt-BR'));
    }
  });
});

describe('a photo the face rules refuse', () => {
  /** Types the CPF, ticks the consent and uploads the photo; waits for the console's check to refuse it. */
  async function fillWithRefusedPhoto(cpf: string, name: string, reason: string) {
    await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
    await acceptConsent();
    await userEvent.click(screen.getByRole('radio', { name: 'Enviar foto' }));
    const photo = new File([await fixture(name)], name, { type: name.endsWith('.png') ? 'image/png' : 'image/jpeg' });
    await userEvent.upload(await screen.findByLabelText('Escolher foto'), photo);
    const check = await screen.findByTestId('picture-check');
    await waitFor(() => expect(check).not.toHaveTextContent('Verificando'), { timeout: 50_000 });
    expect(check).toHaveTextContent(`Esta foto não passa na verificação de qualidade: ${reason}`);
  }

  /** The trail's registrations of this CPF, newest first, as the admin reads them (this browser then works as the admin). */
  async function registrationsInTrail(cpf: string) {
    await logInAs('admin');
    return (await apiRequest(`/admin/audit?action=register&cpf=${cpf}`, auditAnswerSchema)).entries;
  }

  const PRODUCTION_BODY = (cpf: string) =>
    `Este envio cria um cadastro REAL no ambiente de PRODUÇÃO da QI Tech, com os dados reais do cliente: o CPF ${cpf} e a foto do rosto. Confira o CPF antes de continuar.`;
  const OVERRIDE_BODY =
    'A verificação do console recusou esta foto: Aproxime o rosto. A QI Tech pode recusá-la também. Enviar mesmo assim?';

  it('in production, is sent only after one confirmation naming the reason; Escape and Cancel keep everything', async () => {
    const cpf = generateCpf();
    await renderConsole(<RegisterPage />, { environment: PRODUCTION });
    await fillWithRefusedPhoto(cpf, 'face-too-small.jpg', 'Aproxime o rosto.');
    // QA's checkbox is not production's way: the confirmation is.
    expect(screen.queryByLabelText(/Enviar mesmo assim/)).toBeNull();
    await submit();

    // One dialog: the refused picture, in production, the reason in the preview's own words.
    const dialog = await screen.findByRole('alertdialog', { name: 'A verificação do console recusou esta foto' });
    expect(screen.getAllByRole('alertdialog')).toHaveLength(1);
    await waitFor(() => expect(within(dialog).getByRole('heading', { name: 'A verificação do console recusou esta foto' })).toHaveFocus());
    expect(dialog).toHaveAccessibleDescription(`${PRODUCTION_BODY(cpf)} ${OVERRIDE_BODY}`);
    await waitFor(() => expect(screen.getByTestId('announcer')).toHaveTextContent(OVERRIDE_BODY));
    const sendAnyway = within(dialog).getByRole('button', { name: 'Enviar mesmo assim' });
    expect(sendAnyway).toHaveClass('danger');
    expect(within(dialog).queryByRole('button', { name: 'Cadastrar em produção' })).toBeNull();
    expect(screen.queryByText(/Esta foto não pode ser enviada/)).toBeNull();
    // The dialog's buttons stand in for the form's: no second primary button under it.
    expect(screen.queryByRole('button', { name: /^Cadastrar .*em PRODUÇÃO$/ })).toBeNull();
    expect(await registeredKey('production', cpf)).toBeNull();

    // Escape, then Cancel: back to the form, nothing sent, nothing lost.
    const kept = async () => {
      expect(screen.queryByRole('alertdialog')).toBeNull();
      expect(screen.getByRole('button', { name: `Cadastrar ${cpf} em PRODUÇÃO` })).toHaveFocus();
      expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
      expect(screen.getByRole('checkbox', { name: CONSENT_LABEL })).toBeChecked();
      expect(screen.getByTestId('picture-preview')).toBeVisible();
      expect(await registeredKey('production', cpf)).toBeNull();
    };
    await userEvent.keyboard('{Escape}');
    await kept();
    await submit();
    await userEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Cancelar' }));
    await kept();

    // Sent: the test server's emulator checks faces as QI Tech does, and its refusal is shown.
    await submit();
    await userEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Enviar mesmo assim' }));
    const failed = await screen.findByRole('heading', { name: 'O cadastro não foi concluído' });
    await waitFor(() => expect(failed).toHaveFocus());
    expect(screen.getByRole('alert')).toHaveTextContent('A foto foi recusada na avaliação de qualidade.');
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
    expect(screen.getByTestId('picture-preview')).toBeVisible();
    // The same bytes would be refused again: another photo is offered, not a resend.
    expect(
      screen.getByText('O CPF foi mantido. Enviar a mesma foto de novo teria a mesma recusa: tire ou escolha outra foto.'),
    ).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Tentar novamente' })).toBeNull();

    // The registration went with the override, and the trail says so.
    const entries = await registrationsInTrail(cpf);
    expect(entries.map((e) => [e.environment, e.outcome, e.face_check_override])).toEqual([
      ['production', 'image_quality', 'face_too_small'],
    ]);

    await userEvent.click(screen.getByRole('button', { name: 'Escolher outra foto' }));
    expect(screen.queryByTestId('picture-preview')).toBeNull();
    expect(screen.getByLabelText('Escolher foto')).toBeEnabled();
    expect(screen.queryByRole('heading', { name: 'O cadastro não foi concluído' })).toBeNull();
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
    expect(screen.getByRole('checkbox', { name: CONSENT_LABEL })).toBeChecked();
  }, 90_000);

  it('in production, drops the override when the picture changes: what is on screen passes, and is sent at once', async () => {
    const cpf = generateCpf();
    await renderConsole(<RegisterPage />, { environment: PRODUCTION });
    await fillWithRefusedPhoto(cpf, 'face-too-small.jpg', 'Aproxime o rosto.');
    await submit();
    expect(await screen.findByRole('alertdialog')).toHaveAccessibleDescription(`${PRODUCTION_BODY(cpf)} ${OVERRIDE_BODY}`);

    // Cropped around the face: another picture, which passes; the question was about the other one.
    await userEvent.click(screen.getByRole('button', { name: 'Recortar em volta do rosto' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).toBeNull());
    await waitFor(() => expect(screen.getByTestId('picture-check')).toHaveTextContent('Rosto aprovado'), { timeout: 50_000 });
    await submit();
    expect(await screen.findByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
    expect(screen.queryByRole('alertdialog')).toBeNull();

    const entries = await registrationsInTrail(cpf);
    expect(entries.map((e) => [e.outcome, e.face_check_override])).toEqual([['ok', null]]);
  }, 90_000);

  it('outside production, is sent only with "Enviar mesmo assim" ticked, and the override is audited too', async () => {
    const cpf = generateCpf();
    await renderConsole(<RegisterPage />);
    // A photo has no oval: the words for it are not the camera's.
    await fillWithRefusedPhoto(
      cpf,
      'no-face-coffee.png',
      'Nenhum rosto encontrado na foto. Escolha uma foto do rosto do cliente, de frente.',
    );
    expect(screen.queryByText(/oval/)).toBeNull();
    await submit();
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Esta foto não pode ser enviada: capture ou escolha outra que passe na verificação.',
    );
    expect(screen.queryByRole('alertdialog')).toBeNull();

    // Ticked, the box answers the refusal: it is not left on screen (the live region keeps what it last said, unseen).
    await userEvent.click(screen.getByLabelText(/Enviar mesmo assim/));
    expect(screen.queryByText(/Esta foto não pode ser enviada/, { selector: 'p' })).toBeNull();
    await submit();
    expect(await screen.findByRole('heading', { name: 'O cadastro não foi concluído' })).toBeVisible();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Tentar novamente' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Escolher outra foto' })).toBeVisible();
    const entries = await registrationsInTrail(cpf);
    expect(entries.map((e) => [e.environment, e.outcome, e.face_check_override])).toEqual([['local', 'image_quality', 'no_face']]);
  }, 90_000);
});

describe('in production', () => {
  it('the button says what it does, with the CPF, and one click registers in production', async () => {
    const cpf = generateCpf();
    const key = await imageKey('production');
    await renderConsole(<RegisterPage />, { environment: PRODUCTION });
    // Until the CPF is complete it cannot be named; the environment always is.
    const button = screen.getByRole('button', { name: 'Cadastrar em PRODUÇÃO' });
    expect(button).toHaveClass('danger');
    await fillForm(cpf, key);
    expect(button).toHaveAccessibleName(`Cadastrar ${cpf} em PRODUÇÃO`);
    // A CPF being corrected is not named: the button names only what would be sent.
    await userEvent.type(screen.getByLabelText('CPF do cliente'), '{Backspace}');
    expect(button).toHaveAccessibleName('Cadastrar em PRODUÇÃO');
    await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.slice(-1));
    expect(await registeredKey('production', cpf)).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: `Cadastrar ${cpf} em PRODUÇÃO` }));
    expect(await screen.findByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.getByTestId('registered-environment')).toHaveTextContent('Cadastrado no ambiente: Produção');
    expect(await registeredKey('production', cpf)).toBe(screen.getByTestId('registration-key').textContent);
    await waitFor(() => expect(screen.getByLabelText('CPF do cliente')).toHaveFocus());
  });

  it('says in one dialog that the CPF is already registered too', async () => {
    const cpf = generateCpf();
    const existing = await seedRegistration('production', cpf);
    await renderConsole(<RegisterPage />, { environment: PRODUCTION });
    await fillForm(cpf, await imageKey('production'));
    await submit();

    const dialog = await screen.findByRole('alertdialog', { name: 'Este CPF já tem um cadastro' });
    expect(screen.getAllByRole('alertdialog')).toHaveLength(1);
    expect(dialog).toHaveAccessibleDescription(
      `Este envio cria um cadastro REAL no ambiente de PRODUÇÃO da QI Tech, com os dados reais do cliente: o CPF ${cpf} e a foto do rosto. Confira o CPF antes de continuar. ` +
        `O CPF ${cpf} já tem um cadastro, com a chave ${existing}. Cadastrar de novo cria um novo cadastro, e a consulta pelo CPF passará a mostrar o novo.`,
    );
    expect(within(dialog).queryByRole('button', { name: 'Cadastrar novamente' })).toBeNull();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cadastrar em produção' }));
    expect(await screen.findByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
    const created = screen.getByTestId('registration-key').textContent;
    expect(created).not.toBe(existing);
    expect(await registeredKey('production', cpf)).toBe(created);
  });
});

describe('outside production', () => {
  it('sends a CPF with no registration without asking', async () => {
    const cpf = generateCpf();
    await renderConsole(<RegisterPage />);
    await fillForm(cpf, await imageKey('local'));
    await submit();
    expect(await screen.findByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
    expect(await registeredKey('local', cpf)).toBe(screen.getByTestId('registration-key').textContent);
  });

  it('says a CPF is already registered beside the field as soon as it is typed, before any photo', async () => {
    const cpf = generateCpf();
    const existing = await seedRegistration('local', cpf);
    await renderConsole(<RegisterPage />);
    const field = screen.getByLabelText('CPF do cliente');
    await userEvent.type(field, cpf.replace(/\D/g, '').slice(0, 10));
    expect(screen.getByTestId('cpf-status')).toBeEmptyDOMElement();
    await userEvent.type(field, cpf.slice(-1));
    await waitFor(() => expect(screen.getByTestId('cpf-status')).toHaveTextContent(`Já cadastrado (chave ${existing})`));
    expect(field).toHaveAccessibleDescription(new RegExp(`Já cadastrado \\(chave ${existing}\\)`));
    expect(screen.getByRole('link', { name: `chave ${existing}` })).toHaveAttribute(
      'href',
      expect.stringContaining(`/lookup/key/${existing}`),
    );

    // Another CPF, with none: said too.
    await userEvent.clear(field);
    await userEvent.type(field, generateCpf().replace(/\D/g, ''));
    await waitFor(() => expect(screen.getByTestId('cpf-status')).toHaveTextContent('Sem cadastro neste ambiente.'));
  });

  it('after a registration: the banner above a fresh form, focus in the CPF, the next one sent with the banner gone', async () => {
    const first = generateCpf();
    await renderConsole(<RegisterPage />);
    await fillForm(first, await imageKey('local'));
    await submit();
    const banner = await screen.findByTestId('registered');
    expect(banner).toHaveTextContent(`CPF ${first} cadastrado em`);
    expect(screen.getByTestId('registered-environment')).toHaveTextContent('Cadastrado no ambiente: Local (emulador)');
    await waitFor(() => expect(screen.getByLabelText('CPF do cliente')).toHaveFocus());
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue('');
    // The source stays what this desk uses.
    expect(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' })).toBeChecked();

    const second = generateCpf();
    await userEvent.keyboard(second.replace(/\D/g, ''));
    await acceptConsent();
    await userEvent.type(await screen.findByLabelText('Chave de imagem (image_key)'), await imageKey('local'));
    await submit();
    await waitFor(() => expect(screen.getByTestId('registered')).toHaveTextContent(`CPF ${second} cadastrado em`));
    expect(screen.getAllByTestId('registered')).toHaveLength(1);
    expect(await registeredKey('local', second)).toBe(screen.getByTestId('registration-key').textContent);

    await userEvent.click(screen.getByRole('button', { name: 'Fechar aviso' }));
    expect(screen.queryByTestId('registered')).toBeNull();
  });

  it('names a refused API key as the administrator’s configuration problem, with QI Tech’s status, keeping the form', async () => {
    // The test server's sandbox sends the emulator a key it refuses (src/test/console-server.ts).
    const cpf = generateCpf();
    const key = '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11';
    await renderConsole(<RegisterPage />, { environment: { name: 'sandbox', synthetic: true, validation: false } });
    await fillForm(cpf, key);
    await submit();
    const heading = await screen.findByRole('heading', { name: 'O cadastro não foi concluído' });
    // The heading takes focus in an effect, just after it appears.
    await waitFor(() => expect(heading).toHaveFocus());
    expect(screen.getByRole('alert')).toHaveTextContent(
      'O serviço da QI Tech recusou a chave de API configurada no console para este ambiente (HTTP 401). Isso é um problema de configuração, não do cadastro: avise o administrador do console.',
    );
    // An upstream fault, not a refusal of the picture: sending again makes sense; and it was the key that was kept.
    expect(screen.getByText('O CPF e a chave de imagem foram mantidos: corrija o que foi indicado ou tente novamente.')).toBeVisible();
    expect(screen.getByRole('button', { name: 'Tentar novamente' })).toBeEnabled();
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
    expect(screen.getByLabelText('Chave de imagem (image_key)')).toHaveValue(key);
  });
});
