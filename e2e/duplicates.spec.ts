import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { generateCpf } from '../contract/cpf.ts';
import { expectNoAxeViolations } from './support/axe.ts';
import { expect, test } from './support/browsers.ts';
import { pictures } from './support/fixtures.ts';
import { acceptConsent } from './support/register.ts';

// Issue 13: a face registered under one CPF while already registered under another (one person,
// several CPFs) must be said on the registration and on its look-up, the registration kept.
// The face is one no other test registers (pictures.portraitA000055): every other test's face is
// registered many times, under CPFs that would fill the list.

/** Another customer's CPF as the emulator names it: only its middle six digits. */
const hidden = (cpf: string) => `***.${cpf.slice(4, 11)}-**`;

/** Registers `cpf` at the desk with the photo at `path`; the new registration's key. */
async function registerWithPhoto(page: Page, cpf: string, path: string): Promise<string> {
  await page.getByLabel('CPF do cliente').fill(cpf);
  await acceptConsent(page);
  await page.getByLabel('Escolher foto').setInputFiles(path);
  await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado', { timeout: 20_000 });
  await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
  await expect(page.getByTestId('registered')).toContainText(`CPF ${cpf} cadastrado em`);
  return (await page.getByTestId('registration-key').textContent()) ?? '';
}

test('the same face under a second CPF: the desk warns, naming the first CPF hidden, and both look-ups link them', async ({ page }) => {
  // The same person in another picture: a closer crop, twice as large (not the same bytes).
  const secondPicture = test.info().outputPath('portrait-A000055-closer.jpg');
  await sharp(pictures.portraitA000055)
    .extract({ left: 6, top: 6, width: 213, height: 263 })
    .resize(426)
    .jpeg({ quality: 90 })
    .toFile(secondPicture);
  const [first, second] = [generateCpf(), generateCpf()];

  await page.goto('/');
  await page.getByRole('radio', { name: 'Enviar foto' }).check();
  const firstKey = await registerWithPhoto(page, first, pictures.portraitA000055);
  // The first time this face is seen: nothing to warn about.
  await expect(page.getByTestId('duplicate-faces')).toHaveCount(0);

  const secondKey = await registerWithPhoto(page, second, secondPicture);
  const banner = page.getByTestId('registered');
  // An alert, read out as it appears, in the banner of the success.
  const warning = banner.getByRole('alert');
  await expect(warning.getByRole('heading', { name: 'Atenção: este rosto já está cadastrado em outro CPF' })).toBeVisible();
  // Still a success, and the desk still ready for the next customer.
  await expect(banner.getByTestId('registration-key')).toHaveText(secondKey);
  await expect(page.getByLabel('CPF do cliente')).toBeFocused();

  await warning.getByRole('heading').click();
  await expect(warning.getByText('Confira os documentos do cliente antes de prosseguir; o cadastro foi feito.')).toBeVisible();
  const link = warning.getByRole('link');
  await expect(link).toHaveCount(1);
  await expect(link).toHaveText(/^CPF \*\*\*\.\d{3}\.\d{3}-\*\* — \d{1,3}% de semelhança$/);
  const [, other, ratio] = /^CPF (\S+) — (\d+)% de semelhança$/.exec((await link.textContent()) ?? '') ?? [];
  expect(other).toBe(hidden(first));
  // At or above the emulator's threshold for a duplicate (decision 009): the same as a validation's pass.
  expect(Number(ratio)).toBeGreaterThanOrEqual(60);
  await expectNoAxeViolations(page);

  // The link opens the first registration's look-up; when it was made, no other CPF had this face.
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/lookup/key/${firstKey}\\?env=local$`));
  await expect(page.getByRole('heading', { name: 'Cadastro encontrado' })).toBeVisible();
  await expect(page.getByTestId('registration-key')).toHaveText(firstKey);
  await expect(page.getByTestId('registration-origin')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Rostos semelhantes em outros CPFs' })).toHaveCount(0);

  // The second one's look-up names the first, with the same similarity, and links back to it.
  await page.goto(`/lookup/key/${secondKey}?env=local`);
  await expect(page.getByTestId('registration-key')).toHaveText(secondKey);
  const similar = page.getByRole('region', { name: 'Rostos semelhantes em outros CPFs' });
  await expect(similar.getByRole('link')).toHaveText([`CPF ${hidden(first)} — ${ratio ?? ''}% de semelhança`]);
  await expect(similar.getByRole('link')).toHaveAttribute('href', `/lookup/key/${firstKey}?env=local`);
  await expectNoAxeViolations(page);
});
