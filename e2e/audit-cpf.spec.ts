import { readFileSync } from 'node:fs';
import { CONSENT_HEADER } from '../contract/access.ts';
import { CONSENT_TERM } from '../contract/consent.ts';
import { generateCpf } from '../contract/cpf.ts';
import { expect, test } from './support/browsers.ts';
import { pictures } from './support/fixtures.ts';

// The administrator filters the audit trail by a customer's CPF. Project `chromium` (not `audit`,
// which reads the whole run last): this test makes and follows a CPF of its own.
test.use({ role: 'admin' });

/** An address as someone hunting for a CPF would read it: percent-escapes undone, separators dropped. */
const digitsOf = (address: string) => decodeURIComponent(address).replace(/[.\-\s+_,]/g, '');

test('the audit page filters by a CPF that no address holds: not the page’s, its history’s, a request’s or the download’s', async ({
  page,
}) => {
  const cpf = generateCpf();
  const digits = cpf.replace(/\D/g, '');
  const masked = `***.${cpf.slice(4, 7)}.${cpf.slice(8, 11)}-**`;
  // A registration of this CPF, seeded through the API (the CPF in its body).
  const registered = await page.request.post('/api/local/face_recognition/registration', {
    data: { document_number: cpf, image: readFileSync(pictures.faceSingleCentered).toString('base64') },
    headers: { [CONSENT_HEADER]: CONSENT_TERM.version },
  });
  expect(registered.status()).toBe(201);
  const { registration_key: key } = (await registered.json()) as { registration_key: string };

  // Every address the page goes to or asks for, from here on.
  const addresses: string[] = [];
  page.on('request', (request) => addresses.push(request.url()));
  page.on('framenavigated', (frame) => addresses.push(frame.url()));

  await page.goto('/audit');
  const table = page.getByRole('table');
  await expect(table).toBeVisible();
  const cpfField = page.getByRole('textbox', { name: 'CPF' });
  await cpfField.fill(digits);
  await page.getByRole('combobox', { name: 'Ação' }).selectOption('register');
  await cpfField.press('Enter');

  await expect(page).toHaveURL(/\/audit\?action=register$/);
  const rows = table.getByRole('row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(1)).toContainText(key);
  await expect(rows.nth(1)).toContainText(masked);

  // A reload keeps the filter (the history entry's state), as Back and Forward do.
  await page.reload();
  await expect(cpfField).toHaveValue(cpf);
  await expect(rows).toHaveCount(2);
  await page.goBack();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(cpfField).toHaveValue('');
  await page.goForward();
  await expect(page).toHaveURL(/\/audit\?action=register$/);
  await expect(cpfField).toHaveValue(cpf);
  await expect(rows).toHaveCount(2);

  // The CSV of the same selection.
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Exportar CSV', exact: true }).click();
  const download = await downloading;
  addresses.push(download.url());
  const lines = readFileSync(await download.path(), 'utf8')
    .slice(1)
    .trim()
    .split('\r\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(key);
  expect(lines[1]).toContain(masked);

  // The CPF went to the server in a body (once per load of the page); no address holds it.
  addresses.push(page.url());
  expect(addresses.filter((address) => address.includes('/api/admin/audit/cpf-hash')).length).toBeGreaterThan(0);
  expect(addresses.filter((address) => digitsOf(address).includes(digits))).toEqual([]);
});
