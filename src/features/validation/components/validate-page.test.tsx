import { act, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONSENT_HEADER, FACE_CHECK_OVERRIDE_HEADER } from '../../../../contract/access.ts';
import { CONSENT_TERM } from '../../../../contract/consent.ts';
import { generateCpf } from '../../../../contract/cpf.ts';
import { imageAnswerSchema, registrationAnswerSchema } from '../../../../contract/registration.ts';
import type { ValidationAnswer } from '../../../../contract/validation.ts';
import { apiRequest } from '../../../api/client.ts';
import { Console } from '../../../app/app.tsx';
import { changeLanguage, i18n } from '../../../lib/i18n/i18n.ts';
import type { EnvironmentInfo } from '../../../lib/environment.tsx';
import { fixture, fixtureBase64 } from '../../../test/fixtures.ts';
import { renderConsole } from '../../../test/render.tsx';
import { logInAs } from '../../../test/session.ts';
import ValidatePage from './validate-page.tsx';
import { verdictText } from './validation-outcome.tsx';
import '../../../lib/i18n/pt-br-pages.ts';

// Issue 13: a new picture of a customer compared with the face registered for their CPF, against
// the test server's emulator (src/test/console-server.ts), which compares faces as QI Tech does.

const LOCAL: EnvironmentInfo = { name: 'local', synthetic: true, validation: true };

/** An image key for a picture, from the environment's own /image (a registrar's call). */
async function imageKey(name: string, env: 'local' | 'production' = 'local'): Promise<string> {
  const image = await fixtureBase64(name);
  return (await apiRequest(`/${env}/face_recognition/image`, imageAnswerSchema, { method: 'POST', body: { image } })).image_key;
}

/** Registers the Obama crop for the CPF through the API, as a desk would have; gives the key. */
async function seedRegistration(cpf: string): Promise<string> {
  const body = { document_number: cpf, image_key: await imageKey('face-single-centered.jpg') };
  const headers = { [CONSENT_HEADER]: CONSENT_TERM.version };
  return (await apiRequest('/local/face_recognition/registration', registrationAnswerSchema, { method: 'POST', body, headers }))
    .registration_key;
}

const validateButton = () => screen.getByRole('button', { name: 'Validar' });

/** Types the CPF as digits, as a person does, and an image key. */
async function fillWithKey(cpf: string, key: string) {
  await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
  await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
  await userEvent.type(await screen.findByLabelText('Chave de imagem (image_key)'), key);
}

/** The validation POSTs the page makes (with the face-check override they name, if any); while `hold` is set, each waits for `release()`. */
let validations: { url: string; body: string; override?: string }[] = [];
let hold = false;
let release: () => void = () => undefined;
beforeEach(() => {
  validations = [];
  hold = false;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const original = window.fetch.bind(window);
  vi.spyOn(window, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith('/face_recognition/validation')) {
      const override = new Headers(init?.headers).get(FACE_CHECK_OVERRIDE_HEADER);
      validations.push({ url, body: typeof init?.body === 'string' ? init.body : '', ...(override === null ? {} : { override }) });
      if (hold) await gate;
    }
    return original(input, init);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the verdict in words', () => {
  const answer = (result: string, ratio: number | string): ValidationAnswer => ({
    validation_key: '6f1c2b8e-3d4a-4b5c-8d6e-7f8091a2b3c4',
    document_number: '123.456.789-09',
    registration: {
      registration_key: '0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11',
      registration_status: 'active',
      registration_date: '2025-01-02T03:04:05Z',
    },
    similarity_ratio: ratio,
    validation_result: result,
  });

  it('says pass and fail with the similarity, a numeric string as a number, and any other result as QI Tech sent it', () => {
    expect(verdictText(i18n.t, answer('pass', 97))).toBe('Mesma pessoa — 97%');
    expect(verdictText(i18n.t, answer('fail', 31))).toBe('Pessoa diferente — 31%');
    expect(verdictText(i18n.t, answer('pass', '99'))).toBe('Mesma pessoa — 99%');
    expect(verdictText(i18n.t, answer('inconclusive', 0))).toBe('Resultado “inconclusive” — 0%');
  });
});

describe('the validate page', () => {
  it('asks for the CPF and a picture at once, naming what is wrong with the CPF, and sends nothing', async () => {
    await renderConsole(<ValidatePage />, { environment: LOCAL });
    expect(screen.getByRole('heading', { level: 1, name: 'Validar rosto (1:1)' })).toBeVisible();
    await userEvent.click(validateButton());
    const field = screen.getByLabelText('CPF do cliente');
    expect(await screen.findByText('Informe o CPF do cliente.')).toBeVisible();
    expect(screen.getByText('Capture ou escolha uma foto antes de validar.')).toBeVisible();
    expect(field).toHaveAttribute('aria-invalid', 'true');
    expect(field).toHaveFocus();
    await userEvent.type(field, '52998224726');
    expect(await screen.findByText(/dígitos verificadores/)).toBeVisible();
    // Nothing to compare with: no consent is asked, since nothing is registered.
    expect(screen.queryByRole('checkbox', { name: /termo de consentimento/ })).toBeNull();
    expect(validations).toEqual([]);
  });

  it('says the same person, big, with the registration compared with, its date in pt-BR and a link to its look-up', async () => {
    const cpf = generateCpf();
    const registered = await seedRegistration(cpf);
    const { location } = await renderConsole(<ValidatePage />, { environment: LOCAL });
    await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
    // Another picture of the same face: the photo, prepared by the browser (reduced, re-encoded) as a desk's would be.
    await userEvent.click(screen.getByRole('radio', { name: 'Enviar foto' }));
    const photo = new File([await fixture('face-single-centered.jpg')], 'face.jpg', { type: 'image/jpeg' });
    await userEvent.upload(await screen.findByLabelText('Escolher foto'), photo);
    await waitFor(() => expect(screen.getByTestId('picture-check')).toHaveTextContent('Rosto aprovado'), { timeout: 50_000 });

    hold = true;
    await userEvent.click(validateButton());
    // While it waits: said, the button locked, nothing to click twice.
    const busy = await screen.findByRole('button', { name: 'Validando…' });
    expect(busy).toBeDisabled();
    expect(screen.getByLabelText('CPF do cliente')).toBeDisabled();
    expect(screen.getByTestId('announcer')).toHaveTextContent('Validando…');
    release();

    const verdict = await screen.findByRole('heading', { name: /^Mesma pessoa — \d{1,3}%$/ });
    await waitFor(() => expect(verdict).toHaveFocus());
    const ratio = Number(/(\d+)%/.exec(verdict.textContent)?.[1]);
    expect(ratio).toBeGreaterThanOrEqual(60);
    const result = screen.getByTestId('validation-result');
    expect(result).toHaveTextContent(`A foto é da mesma pessoa do rosto cadastrado para o CPF ${cpf}.`);
    expect(within(result).getByTestId('compared-key')).toHaveTextContent(registered);
    expect(within(result).getByRole('link', { name: 'Consultar o cadastro' })).toHaveAttribute(
      'href',
      `/lookup/key/${registered}?env=local`,
    );
    // dd/mm/aaaa, hh:mm:ss on São Paulo's clock.
    expect(within(result).getByTestId('registration-date')).toHaveTextContent(/^\d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2}$/);
    expect(screen.getByTestId('announcer')).toHaveTextContent(`${verdict.textContent.replace('✓ ', '')}.`);

    // Exactly one request, with the CPF and the picture in its body: none of it in the address or the browser's storage.
    expect(validations).toHaveLength(1);
    const sent = JSON.parse(validations[0]?.body ?? '{}') as Record<string, unknown>;
    expect(Object.keys(sent).sort()).toEqual(['document_number', 'image']);
    expect(sent.document_number).toBe(cpf);
    const digits = cpf.replace(/\D/g, '');
    for (const address of [...location.history, window.location.href, ...validations.map((v) => v.url)]) {
      expect(address).not.toContain(digits.slice(0, 9));
      expect(address).not.toContain(cpf);
    }
    const stored = [localStorage, sessionStorage]
      .flatMap((storage) => Array.from({ length: storage.length }, (_, index) => storage.getItem(storage.key(index) ?? '') ?? ''))
      .join(' ');
    expect(stored).not.toContain(cpf);
    expect(stored).not.toContain(digits);
  }, 90_000);

  it('says a different person, keeping the CPF and the key for another try', async () => {
    const cpf = generateCpf();
    await seedRegistration(cpf);
    const other = await imageKey('face-single-small-image.png');
    await renderConsole(<ValidatePage />, { environment: LOCAL });
    await fillWithKey(cpf, other);
    // From the keyboard: Enter in the form sends it.
    await userEvent.click(screen.getByLabelText('CPF do cliente'));
    await userEvent.keyboard('{Enter}');

    const verdict = await screen.findByRole('heading', { name: /^Pessoa diferente — \d{1,3}%$/ });
    expect(Number(/(\d+)%/.exec(verdict.textContent)?.[1])).toBeLessThan(60);
    expect(screen.getByTestId('validation-result')).toHaveTextContent(
      `A foto não é da pessoa cadastrada para o CPF ${cpf}. Confira o CPF e o documento do cliente`,
    );
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
    expect(screen.getByLabelText('Chave de imagem (image_key)')).toHaveValue(other);
    expect(validateButton()).toBeEnabled();

    // A verdict describes what was sent: a change to the form takes it away.
    await userEvent.type(screen.getByLabelText('CPF do cliente'), '{Backspace}');
    expect(screen.queryByTestId('validation-result')).toBeNull();
  });

  it('says in a sentence that a CPF with no face registered must be registered first, keeping what was typed', async () => {
    const cpf = generateCpf();
    const key = await imageKey('face-single-centered.jpg');
    await renderConsole(<ValidatePage />, { environment: LOCAL });
    await fillWithKey(cpf, key);
    await userEvent.click(validateButton());

    const heading = await screen.findByRole('heading', { name: 'A validação não foi concluída' });
    await waitFor(() => expect(heading).toHaveFocus());
    expect(screen.getByRole('alert')).toHaveTextContent(`Não há rosto cadastrado para o CPF ${cpf}. Cadastre o rosto antes de validar.`);
    expect(screen.getByTestId('announcer')).toHaveTextContent(`Não há rosto cadastrado para o CPF ${cpf}.`);
    // Sending it again would find no registration again: no "try again".
    expect(screen.queryByRole('button', { name: 'Tentar novamente' })).toBeNull();
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
    expect(screen.getByLabelText('Chave de imagem (image_key)')).toHaveValue(key);
  });

  it('keeps the photo and the CPF when the API refuses something else than the photo, and offers no other photo', async () => {
    const cpf = generateCpf();
    await renderConsole(<ValidatePage />, { environment: LOCAL });
    await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
    await userEvent.click(screen.getByRole('radio', { name: 'Enviar foto' }));
    const photo = new File([await fixture('face-single-centered.jpg')], 'face.jpg', { type: 'image/jpeg' });
    await userEvent.upload(await screen.findByLabelText('Escolher foto'), photo);
    await waitFor(() => expect(screen.getByTestId('picture-check')).toHaveTextContent('Rosto aprovado'), { timeout: 50_000 });
    await userEvent.click(validateButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(`Não há rosto cadastrado para o CPF ${cpf}.`);
    expect(screen.getByTestId('picture-preview')).toBeVisible();
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
    expect(screen.getByText('O CPF e a foto foram mantidos: corrija o que foi indicado ou tente novamente.')).toBeVisible();
    expect(screen.queryByRole('button', { name: 'Escolher outra foto' })).toBeNull();
  }, 90_000);

  it('names the rule a photo broke when the API refuses it, and offers another one, the CPF kept', async () => {
    const cpf = generateCpf();
    await seedRegistration(cpf);
    await renderConsole(<ValidatePage />, { environment: LOCAL });
    await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
    await userEvent.click(screen.getByRole('radio', { name: 'Enviar foto' }));
    const photo = new File([await fixture('face-too-small.jpg')], 'small.jpg', { type: 'image/jpeg' });
    await userEvent.upload(await screen.findByLabelText('Escolher foto'), photo);
    await waitFor(() => expect(screen.getByTestId('picture-check')).toHaveTextContent('Aproxime o rosto.'), { timeout: 50_000 });
    // As on the register page: refused by the console's check, it is sent only with the box ticked.
    await userEvent.click(validateButton());
    expect(
      await screen.findByText('Esta foto não pode ser enviada: capture ou escolha outra que passe na verificação.', { selector: 'p' }),
    ).toBeVisible();
    expect(validations).toEqual([]);
    await userEvent.click(screen.getByLabelText(/Enviar mesmo assim/));
    await userEvent.click(validateButton());

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'A foto foi recusada na avaliação de qualidade: Aproxime o rosto. Tire ou escolha outra foto e valide de novo.',
    );
    // Sent despite the console's check: the server is told which, for the audit trail.
    expect(validations.map((v) => v.override)).toEqual(['face_too_small']);
    expect(
      screen.getByText('O CPF foi mantido. Enviar a mesma foto de novo teria a mesma recusa: tire ou escolha outra foto.'),
    ).toBeVisible();
    await userEvent.click(screen.getByRole('button', { name: 'Escolher outra foto' }));
    expect(screen.queryByTestId('picture-preview')).toBeNull();
    expect(screen.getByLabelText('Escolher foto')).toBeEnabled();
    expect(screen.queryByTestId('validation-failure')).toBeNull();
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
  }, 90_000);

  it('in production, sends a photo the console’s check refused only after a question naming the reason; the server’s refusal in words', async () => {
    // The test server's production has no QITECH_PRODUCTION_VALIDATION: the console refuses it, 403.
    const cpf = generateCpf();
    await renderConsole(<ValidatePage />, { environment: { name: 'production', synthetic: false, validation: true } });
    await userEvent.type(screen.getByLabelText('CPF do cliente'), cpf.replace(/\D/g, ''));
    await userEvent.click(screen.getByRole('radio', { name: 'Enviar foto' }));
    const photo = new File([await fixture('face-too-small.jpg')], 'small.jpg', { type: 'image/jpeg' });
    await userEvent.upload(await screen.findByLabelText('Escolher foto'), photo);
    const check = await screen.findByTestId('picture-check');
    await waitFor(() => expect(check).toHaveTextContent('Esta foto não passa na verificação de qualidade: Aproxime o rosto.'), {
      timeout: 50_000,
    });
    // QA's box is not production's way: the question is.
    expect(screen.queryByLabelText(/Enviar mesmo assim/)).toBeNull();
    await userEvent.click(validateButton());
    const dialog = await screen.findByRole('alertdialog', { name: 'A verificação do console recusou esta foto' });
    await waitFor(() => expect(within(dialog).getByRole('heading')).toHaveFocus());
    expect(dialog).toHaveAccessibleDescription(
      'A verificação do console recusou esta foto: Aproxime o rosto. A QI Tech pode recusá-la também. Enviar mesmo assim?',
    );
    // Nothing about a registration: a validation registers nothing.
    expect(dialog).not.toHaveTextContent(/cadastro/i);

    // Escape: back to the form, nothing sent, nothing lost.
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(validateButton()).toHaveFocus();
    expect(screen.getByTestId('picture-preview')).toBeVisible();
    expect(validations).toEqual([]);

    await userEvent.click(validateButton());
    await userEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Enviar mesmo assim' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'A validação 1:1 não está habilitada neste ambiente. O administrador do console pode habilitá-la; as contas mais novas da QI Tech validam pela Account Event API.',
    );
    expect(validations.map((v) => v.override)).toEqual(['face_too_small']);
    expect(screen.queryByRole('button', { name: 'Tentar novamente' })).toBeNull();
    expect(screen.getByLabelText('CPF do cliente')).toHaveValue(cpf);
    expect(screen.getByTestId('picture-preview')).toBeVisible();
  }, 90_000);

  it('offers no form where the environment has no validation, and says who can enable it and where it is', async () => {
    const sandbox: EnvironmentInfo = { name: 'sandbox', synthetic: true, validation: false };
    await renderConsole(<ValidatePage />, { environment: sandbox });
    const notice = screen.getByTestId('validation-not-enabled');
    expect(notice).toHaveTextContent('A validação 1:1 não está habilitada no ambiente “Sandbox (QI Tech)”.');
    expect(notice).toHaveTextContent('O administrador do console pode habilitá-la');
    expect(notice).toHaveTextContent('as contas mais novas da QI Tech validam pela Account Event API');
    expect(screen.queryByRole('button', { name: 'Validar' })).toBeNull();
    expect(screen.queryByLabelText('CPF do cliente')).toBeNull();
  });

  it('is in English too', async () => {
    const cpf = generateCpf();
    await renderConsole(<ValidatePage />, { environment: LOCAL });
    await fillWithKey(cpf, await imageKey('face-single-centered.jpg'));
    await act(() => changeLanguage('en'));
    try {
      await userEvent.click(screen.getByRole('button', { name: 'Validate' }));
      expect(await screen.findByRole('alert')).toHaveTextContent(
        `No face is registered for CPF ${cpf}. Register the face before validating.`,
      );
    } finally {
      await act(() => changeLanguage('pt-BR'));
    }
  });
});

describe('in the console', () => {
  it('is in the navigation of a support agent, who may validate, and opens at /validate', async () => {
    await logInAs('support');
    await renderConsole(<Console />, { path: '/validate?env=local' });
    expect(await screen.findByRole('heading', { level: 1, name: 'Validar rosto (1:1)' }, { timeout: 10_000 })).toBeVisible();
    const nav = screen.getByRole('navigation', { name: 'Navegação principal' });
    expect(within(nav).getByRole('link', { name: 'Validar rosto' })).toHaveAttribute('aria-current', 'page');
    expect(within(nav).queryByRole('link', { name: 'Cadastrar rosto' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Validar' })).toBeEnabled();
    // An image key is typed; obtaining one means sending a photo, which support may not do.
    await userEvent.click(screen.getByRole('radio', { name: 'Chave de imagem (SDK)' }));
    expect(await screen.findByLabelText('Chave de imagem (image_key)')).toBeVisible();
    expect(screen.queryByRole('group', { name: 'Não tem uma chave? Envie uma foto para obter uma' })).toBeNull();
  });

  it('offers a registrar to obtain an image key by sending a photo, where data is synthetic', async () => {
    await logInAs('registrar');
    await renderConsole(<Console />, { path: '/validate?env=local' });
    await userEvent.click(await screen.findByRole('radio', { name: 'Chave de imagem (SDK)' }, { timeout: 10_000 }));
    expect(await screen.findByRole('group', { name: 'Não tem uma chave? Envie uma foto para obter uma' })).toBeVisible();
  });
});
