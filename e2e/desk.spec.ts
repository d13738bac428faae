import type { Locator, Page } from '@playwright/test';
import { generateCpf } from '../contract/cpf.ts';
import { expectNoAxeViolations } from './support/axe.ts';
import { expect, test } from './support/browsers.ts';
import { pictures } from './support/fixtures.ts';

// The desk registers customer after customer: what each one costs in clicks and scrolling.

const consent = (page: Page) => page.getByRole('checkbox', { name: /O cliente leu e aceitou o termo de consentimento/ });
const submit = (page: Page) => page.getByRole('button', { name: 'Cadastrar rosto' });
const digits = (cpf: string) => cpf.replace(/\D/g, '');

/** The clicks a person makes, counted as the test makes them; typing and the file dialog are not clicks. */
function clickCounter() {
  let count = 0;
  return {
    click: async (target: Locator) => {
      count += 1;
      await target.click();
    },
    get count() {
      return count;
    },
  };
}

/** The button is on screen without scrolling: the page is at its top and the button's bottom edge is inside the viewport. */
async function expectReachableWithoutScroll(page: Page, target: Locator) {
  // The e2e code has no DOM types: the page's scroll position read as a string of code.
  expect(await page.evaluate<number>('window.scrollY')).toBe(0);
  const box = await target.boundingBox();
  const viewport = page.viewportSize();
  if (box === null || viewport === null) throw new Error('no box or viewport');
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(
    box.y + box.height,
    `bottom of "${(await target.textContent()) ?? ''}" at ${String(viewport.width)}×${String(viewport.height)}`,
  ).toBeLessThanOrEqual(viewport.height);
}

async function registered(page: Page, cpf: string) {
  await expect(page.getByTestId('registered')).toContainText(`CPF ${cpf} cadastrado em`);
  // The next customer starts at once: focus in the CPF field, the form fresh.
  await expect(page.getByLabel('CPF do cliente')).toBeFocused();
  await expect(page.getByLabel('CPF do cliente')).toHaveValue('');
  await expect(consent(page)).not.toBeChecked();
}

test('a second customer by webcam: the CPF typed, then two clicks (the consent and “Cadastrar rosto”)', async ({ page }) => {
  await page.goto('/');
  const first = generateCpf();
  await page.getByLabel('CPF do cliente').fill(first);
  await consent(page).check();
  await page.getByRole('button', { name: 'Ativar câmera' }).click();
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
  await submit(page).click();
  await registered(page, first);

  // The camera stayed on; with the last customer maybe still in view, it waits for the next CPF.
  await expect(page.getByRole('button', { name: 'Ativar câmera' })).toHaveCount(0);
  await expect(page.getByLabel('Imagem ao vivo da câmera (espelhada)')).toBeVisible();
  await expect(page.getByText('Digite o CPF do próximo cliente')).toBeVisible();
  await expect(page.getByTestId('picture-preview')).toHaveCount(0);
  await expect(page.getByTestId('face-guidance')).toBeVisible();
  // While it waits it keeps quiet: what a screen reader last said is still the registration.
  await expect(page.getByTestId('announcer')).toContainText('Rosto cadastrado');
  await expectNoAxeViolations(page);

  const clicks = clickCounter();
  const second = generateCpf();
  await page.keyboard.type(digits(second));
  await clicks.click(consent(page));
  // Taken by itself once the CPF is there and the face steady.
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
  await clicks.click(submit(page));
  await registered(page, second);
  expect(clicks.count).toBeLessThanOrEqual(2);
});

test('a second customer by upload: the CPF typed, three clicks and the file choice', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('radio', { name: 'Enviar foto' }).check();
  const first = generateCpf();
  await page.getByLabel('CPF do cliente').fill(first);
  await consent(page).check();
  await page.getByLabel('Escolher foto').setInputFiles(pictures.faceSingleCentered);
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
  await submit(page).click();
  await registered(page, first);
  // The desk's source is kept for the next customer.
  await expect(page.getByRole('radio', { name: 'Enviar foto' })).toBeChecked();

  const clicks = clickCounter();
  const second = generateCpf();
  await page.keyboard.type(digits(second));
  await clicks.click(consent(page));
  const chooser = page.waitForEvent('filechooser');
  await clicks.click(page.getByText('Escolher foto', { exact: true }));
  await (await chooser).setFiles(pictures.faceSingleCentered);
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
  await clicks.click(submit(page));
  await registered(page, second);
  expect(clicks.count).toBeLessThanOrEqual(4);
});

for (const viewport of [
  { width: 1366, height: 768 },
  { width: 1024, height: 768 },
]) {
  test.describe(`at ${String(viewport.width)}×${String(viewport.height)}`, () => {
    test.use({ viewport });

    test('“Cadastrar rosto” is reached without scrolling, with a photo and its check on screen, before and after a registration', async ({
      page,
    }) => {
      await page.goto('/');
      // The two columns: the picture beside the form, not under it.
      const cpfBox = await page.getByLabel('CPF do cliente').boundingBox();
      const pictureBox = await page.getByRole('group', { name: 'Foto do cliente' }).boundingBox();
      expect(pictureBox?.x ?? 0).toBeGreaterThan((cpfBox?.x ?? 0) + (cpfBox?.width ?? 0));

      // The camera: the captured picture, its check and the button.
      await page.getByLabel('CPF do cliente').fill(generateCpf());
      await consent(page).check();
      await page.getByRole('button', { name: 'Ativar câmera' }).click();
      await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
      await expectReachableWithoutScroll(page, submit(page));
      await expectReachableWithoutScroll(page, page.getByTestId('picture-check'));
      await submit(page).click();
      await expect(page.getByTestId('registered')).toBeVisible();
      // The live camera waiting for the next customer, the banner of the last one above it.
      await expect(page.getByTestId('face-guidance')).toBeVisible();
      await expectReachableWithoutScroll(page, submit(page));

      // The next customer's picture: still no scroll.
      await page.keyboard.type(digits(generateCpf()));
      await consent(page).check();
      await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
      await expectReachableWithoutScroll(page, submit(page));

      // A chosen photo, taller than wide as portraits are (500×560), likewise.
      await page.goto('/');
      await page.getByRole('radio', { name: 'Enviar foto' }).check();
      await page.getByLabel('Escolher foto').setInputFiles(pictures.faceSingleCentered);
      await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
      await expectReachableWithoutScroll(page, submit(page));
      await expectReachableWithoutScroll(page, page.getByTestId('picture-check'));
      await expectNoAxeViolations(page);
    });
  });
}
