import type { APIRequestContext, Page, Request } from '@playwright/test';
import { CONSENT_HEADER } from '../contract/access.ts';
import { CONSENT_TERM } from '../contract/consent.ts';
import { generateCpf } from '../contract/cpf.ts';
import { MAX_IMAGE_BYTES } from '../contract/image.ts';
import { expectNoAxeViolations } from './support/axe.ts';
import { expect, test } from './support/browsers.ts';
import { pictures } from './support/fixtures.ts';
import { acceptConsent } from './support/register.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Seeds a registration through the console API, as a fixture does, without clicking. */
async function seedRegistration(request: APIRequestContext, cpf: string): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const response = await request.post('/api/local/face_recognition/registration', {
    data: { document_number: cpf, image: readFileSync(pictures.faceSingleCentered).toString('base64') },
    // As the console sends it once the person has ticked the customer's consent.
    headers: { [CONSENT_HEADER]: CONSENT_TERM.version },
  });
  expect(response.status()).toBe(201);
  return ((await response.json()) as { registration_key: string }).registration_key;
}

/** Every request the page sends to the registration API. */
function recordApiCalls(page: Page): Request[] {
  const calls: Request[] = [];
  page.on('request', (request) => {
    if (/\/api\/[^/]+\/face_recognition\/(registration|image)$/.test(new URL(request.url()).pathname) && request.method() === 'POST')
      calls.push(request);
  });
  return calls;
}

async function uploadPhoto(page: Page, path: string) {
  await page.getByRole('radio', { name: 'Enviar foto' }).check();
  await page.getByLabel('Escolher foto').setInputFiles(path);
}

test('webcam capture → register → key shown → look up by key → look up by CPF', async ({ page, request }) => {
  await page.goto('/');
  await acceptConsent(page);
  await page.getByRole('button', { name: 'Gerar CPF de teste' }).click();
  const cpf = await page.getByLabel('CPF do cliente').inputValue();
  expect(cpf).toMatch(/^\d{3}\.\d{3}\.\d{3}-\d{2}$/);

  await expect(page.getByText('A câmera só é ligada quando você clicar')).toBeVisible();
  await page.getByRole('button', { name: 'Ativar câmera' }).click();
  // The face is checked live and the photo taken by itself once it has been good for a moment.
  await expect(page.getByTestId('picture-details')).toContainText('640 × 480 px', { timeout: 20_000 });
  // Both announced in turn: the automatic capture, then the check of the captured picture.
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado na verificação de qualidade.');
  await expect(page.getByTestId('announcer')).toContainText('Rosto aprovado na verificação de qualidade.');
  await expectNoAxeViolations(page);
  // Retake: the camera comes back, and a new capture replaces the picture.
  await page.getByRole('button', { name: 'Tirar outra foto' }).click();
  await expect(page.getByTestId('picture-preview')).toBeHidden();
  await expect(page.getByTestId('picture-details')).toContainText('640 × 480 px', { timeout: 20_000 });

  const calls = recordApiCalls(page);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
  // The banner is read out; focus waits in the CPF field for the next customer.
  await expect(page.getByLabel('CPF do cliente')).toBeFocused();
  const key = (await page.getByTestId('registration-key').textContent()) ?? '';
  expect(key).toMatch(UUID);
  await expect(page.getByTestId('announcer')).toContainText('Rosto cadastrado');
  // Dates as read in Brazil, on São Paulo's clock.
  await expect(
    page.getByText(new RegExp(`CPF ${cpf.replace(/\./g, '\\.')} cadastrado em \\d{2}/\\d{2}/\\d{4}, \\d{2}:\\d{2}:\\d{2}`)),
  ).toBeVisible();
  // The picture sent was the camera's frame: plain base64, no data: prefix.
  const body = calls[0]?.postDataJSON() as { document_number: string; image: string };
  expect(body.document_number).toBe(cpf);
  expect(body.image.startsWith('/9j/')).toBe(true);
  // The emulator holds what the page showed.
  expect(
    ((await (await request.get(`/api/local/face_recognition/registration/document_number/${cpf}`)).json()) as { registration_key: string })
      .registration_key,
  ).toBe(key);
  await expectNoAxeViolations(page);

  // The CPF travels in the history entry's state, not the address (src/lib/carried-cpf.ts): only a
  // click carries it, so that link is followed first; the key's link is an address of its own.
  const byKey = (await page.getByRole('link', { name: 'Consultar pela chave' }).getAttribute('href')) ?? '';
  expect(byKey).toBe(`/lookup/key/${key}?env=local`);
  await page.getByRole('link', { name: 'Consultar pelo CPF' }).click();
  await expect(page).toHaveURL(/\/lookup\/document\?env=local$/);
  await expect(page.getByRole('heading', { name: `Cadastro mais recente do CPF ${cpf}` })).toBeVisible();
  await expect(page.getByTestId('registration-key')).toHaveText(key);

  await page.goto(byKey);
  await expect(page.getByRole('heading', { name: 'Cadastro encontrado' })).toBeVisible();
  await expect(page.getByTestId('registration-key')).toHaveText(key);
  await expectNoAxeViolations(page);

  // A link to a look-up opens its result.
  await page.goto(`/lookup/document/${cpf.replace(/\D/g, '')}`);
  await expect(page.getByTestId('registration-key')).toHaveText(key);
});

test('a 12 MP photo is sent as a JPEG under 3 MB and registered', async ({ page }) => {
  await page.goto('/');
  await acceptConsent(page);
  await page.getByLabel('CPF do cliente').fill(generateCpf());
  await uploadPhoto(page, pictures.faceLarge12mp);
  await expect(page.getByTestId('picture-details')).toContainText('1280 × 960 px');
  const calls = recordApiCalls(page);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
  const { image } = calls[0]?.postDataJSON() as { image: string };
  expect(image).not.toMatch(/^data:/);
  const bytes = Buffer.from(image, 'base64');
  expect(bytes.length).toBeLessThanOrEqual(MAX_IMAGE_BYTES);
  expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
});

test('while a registration is sent the button is disabled and progress is shown', async ({ page }) => {
  await page.goto('/');
  await acceptConsent(page);
  await page.getByLabel('CPF do cliente').fill(generateCpf());
  await uploadPhoto(page, pictures.faceSingleSmallImage);
  await expect(page.getByTestId('picture-preview')).toBeVisible();
  // Hold the real request back a moment, to see the page while it is in flight.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/local/face_recognition/registration', async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  const busy = page.getByRole('button', { name: 'Enviando o cadastro…' });
  await expect(busy).toBeDisabled();
  await expect(page.getByRole('progressbar', { name: 'Enviando o cadastro…' })).toBeVisible();
  release();
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
});

test('a file that is not an image gets a clear message and sends nothing', async ({ page }) => {
  await page.goto('/');
  await acceptConsent(page);
  const calls = recordApiCalls(page);
  await page.getByLabel('CPF do cliente').fill(generateCpf());
  await uploadPhoto(page, pictures.notAnImage);
  await expect(page.getByRole('alert')).toContainText('Este arquivo não é uma foto JPEG ou PNG');
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByText('Capture ou escolha uma foto antes de cadastrar.').first()).toBeVisible();
  expect(calls).toHaveLength(0);
  await expectNoAxeViolations(page);
});

test('an invalid CPF is refused at the field, before any request', async ({ page }) => {
  await page.goto('/');
  const calls = recordApiCalls(page);
  const field = page.getByLabel('CPF do cliente');
  await field.pressSequentially('52998224726');
  await expect(field).toHaveValue('529.982.247-26');
  await uploadPhoto(page, pictures.faceSingleCentered);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByText('Os dígitos verificadores (os dois últimos) não conferem.')).toBeVisible();
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toBeFocused();
  expect(calls).toHaveLength(0);
});

test('registering a CPF again asks for confirmation, showing the existing key', async ({ page, request }) => {
  const cpf = generateCpf();
  const existing = await seedRegistration(request, cpf);
  await page.goto('/');
  await acceptConsent(page);
  await page.getByLabel('CPF do cliente').fill(cpf);
  await uploadPhoto(page, pictures.faceSingleSmallImage);
  await expect(page.getByTestId('picture-preview')).toBeVisible();

  const calls = recordApiCalls(page);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Este CPF já tem um cadastro' });
  await expect(dialog).toContainText(existing);
  await expectNoAxeViolations(page);
  await dialog.getByRole('button', { name: 'Cancelar' }).click();
  await expect(dialog).toBeHidden();
  expect(calls).toHaveLength(0);
  // Nothing was lost by cancelling.
  await expect(page.getByTestId('picture-preview')).toBeVisible();

  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await dialog.getByRole('button', { name: 'Cadastrar novamente' }).click();
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
  const key = await page.getByTestId('registration-key').textContent();
  expect(key).not.toBe(existing);
  expect(calls).toHaveLength(1);
});

test('the image-key path: get a key by sending a photo, then register with it', async ({ page }) => {
  await page.goto('/');
  await acceptConsent(page);
  await page.getByLabel('CPF do cliente').fill(generateCpf());
  await page.getByRole('radio', { name: 'Chave de imagem (SDK)' }).check();
  const keyField = page.getByLabel('Chave de imagem (image_key)');
  await keyField.fill('not-a-key');
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByText('A chave de imagem é um UUID')).toBeVisible();

  await page.getByLabel('Escolher foto e obter chave').setInputFiles(pictures.faceSingleCentered);
  await expect(keyField).toHaveValue(UUID);
  await expect(page.getByText(/Chave obtida para uma foto de 500×560 px/).first()).toBeVisible();
  await expectNoAxeViolations(page);
  const imageKey = await keyField.inputValue();
  const calls = recordApiCalls(page);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
  expect(calls[0]?.postDataJSON()).toEqual({ document_number: expect.any(String) as unknown, image_key: imageKey });
});

test('look-up pages: not found offers to register; a bad link says why', async ({ page }) => {
  const cpf = generateCpf();
  await page.goto(`/lookup/document/${cpf}`);
  await expect(page.getByRole('heading', { name: `Nenhum cadastro para o CPF ${cpf} neste ambiente.` })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByRole('link', { name: 'Cadastrar o rosto deste CPF' }).click();
  await expect(page.getByLabel('CPF do cliente')).toHaveValue(cpf);

  await page.goto('/lookup/key/0b7e7c43-1d7e-4c39-8f1f-0e1f5d6b2a11');
  await expect(page.getByRole('heading', { name: /Nenhum cadastro tem esta chave/ })).toBeVisible();
  await page.goto('/lookup/document/111.111.111-11');
  await expect(page.getByRole('alert')).toContainText('todos os dígitos iguais');
  await page.goto('/lookup');
  await expect(page.getByRole('heading', { level: 1, name: 'Consultar cadastro' })).toBeVisible();
  await expectNoAxeViolations(page);
});

test('the language switch turns the whole console to English and is remembered', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Idioma').selectOption('en');
  await expect(page.getByRole('heading', { level: 1, name: 'Register a face' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByTestId('environment-banner')).toHaveText('LOCAL ENVIRONMENT — emulator, synthetic data');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Register a face' })).toBeVisible();
  await page.getByRole('link', { name: 'Look up a registration' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Look up a registration' })).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByLabel('Language').selectOption('pt-BR');
  await expect(page.getByRole('heading', { level: 1, name: 'Consultar cadastro' })).toBeVisible();
});

test('a denied camera permission says what to do next', async ({ cameraPage }) => {
  const page = await cameraPage('denied');
  await page.goto('/');
  await page.getByRole('button', { name: 'Ativar câmera' }).click();
  await expect(page.getByRole('alert')).toContainText('O acesso à câmera foi negado');
  await expect(page.getByRole('button', { name: 'Tentar novamente' })).toBeVisible();
  await expectNoAxeViolations(page);
});

test('no camera at all says so and points to the upload', async ({ cameraPage }) => {
  const page = await cameraPage('none');
  await page.goto('/');
  await page.getByRole('button', { name: 'Ativar câmera' }).click();
  await expect(page.getByRole('alert')).toContainText('Nenhuma câmera foi encontrada');
});

test('with two cameras the desk chooses one, and the choice is remembered', async ({ cameraPage }) => {
  const page = await cameraPage('two');
  await page.goto('/');
  await page.getByRole('button', { name: 'Ativar câmera' }).click();
  const select = page.getByRole('combobox', { name: 'Câmera', exact: true });
  await expect(select.locator('option')).toHaveCount(2);
  const second = await select.locator('option').nth(1).getAttribute('value');
  await select.selectOption(second ?? '');
  await expect(page.getByRole('button', { name: 'Capturar foto' })).toBeEnabled();
  // Only the device id is kept on the desk.
  const stored = JSON.parse(await page.evaluate<string>('JSON.stringify(localStorage)')) as Record<string, string>;
  expect(stored).toEqual({ 'frc.cameraId': second });
  await page.reload();
  await page.getByRole('button', { name: 'Ativar câmera' }).click();
  await expect(page.getByRole('combobox', { name: 'Câmera', exact: true })).toHaveValue(second ?? '');
});

test('with no face in view the camera never captures by itself, says why, and the emulator refuses a manual capture', async ({
  cameraPage,
}) => {
  const page = await cameraPage('no-face');
  await page.goto('/');
  await acceptConsent(page);
  await page.getByLabel('CPF do cliente').fill(generateCpf());
  await page.getByRole('button', { name: 'Ativar câmera' }).click();
  await expect(page.getByTestId('face-guidance')).toHaveText(/Nenhum rosto encontrado/, { timeout: 20_000 });
  await page.waitForTimeout(3000);
  await expect(page.getByTestId('picture-preview')).toBeHidden();
  await expect(page.getByTestId('face-guidance')).toHaveText(/Nenhum rosto encontrado/);
  // Manual capture stays possible; QI Tech's rules then refuse the picture, in Portuguese.
  await page.getByRole('button', { name: 'Capturar foto' }).click();
  await expect(page.getByTestId('picture-check')).toContainText('Nenhum rosto encontrado');
  const calls = recordApiCalls(page);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByText('Esta foto não pode ser enviada').first()).toBeVisible();
  expect(calls).toHaveLength(0);
  // In local (and sandbox) QA may send it anyway, to see the API's own refusal.
  await page.getByLabel(/Enviar mesmo assim/).check();
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByRole('heading', { name: 'O cadastro não foi concluído' })).toBeFocused();
  await expect(page.getByRole('alert').filter({ hasText: 'A foto foi recusada na avaliação de qualidade.' })).toBeVisible();
});

test('an uploaded photo is checked: a face only too small is offered a crop that passes', async ({ page }) => {
  await page.goto('/');
  await acceptConsent(page);
  await page.getByLabel('CPF do cliente').fill(generateCpf());
  await uploadPhoto(page, pictures.faceTooSmall);
  await expect(page.getByTestId('picture-check')).toContainText('Aproxime o rosto', { timeout: 20_000 });
  await page.getByRole('button', { name: 'Recortar em volta do rosto' }).click();
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
});

test('an uploaded photo with two people is refused before sending, with the reason', async ({ page }) => {
  await page.goto('/');
  await acceptConsent(page);
  await page.getByLabel('CPF do cliente').fill(generateCpf());
  await uploadPhoto(page, pictures.facesTwo);
  await expect(page.getByTestId('picture-check')).toContainText('Apenas uma pessoa na imagem', { timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Recortar em volta do rosto' })).toBeHidden();
  const calls = recordApiCalls(page);
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByText('Esta foto não pode ser enviada').first()).toBeVisible();
  expect(calls).toHaveLength(0);
});
