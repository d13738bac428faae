import { describe, expect, it } from 'vitest';
import type { BulkJob } from '../../contract/bulk.ts';
import { consentDay, consentProblem, parseCsv } from '../bulk/upload-csv.ts';
import { json, refusal } from './helper.ts';
import { bulkApp, cpfs, csvOf, photo, upload, zipOf } from './bulk-support.ts';
import type { BulkApp } from './bulk-support.ts';

const DAY = '2024-05-31';

/** Nothing of a refused upload is left: no job is listed, none is being uploaded. */
async function nothingLeft(bulk: BulkApp) {
  const list = await bulk.as('admin', { method: 'GET', url: '/api/bulk/jobs' });
  expect(list.json<{ jobs: unknown[] }>().jobs).toEqual([]);
}

describe('the CSV', () => {
  it('takes ; or , with a BOM, quoted cells, columns in any order, empty lines skipped, row numbers as a spreadsheet shows', () => {
    const text =
      '\uFEFFConsent_Date ; FILE;extra;document_number;consent_term_version\r\n\r\n2024-05-31;"a;b.jpg";x;529.982.247-25;v1\n\n31/05/2024;c.jpg;;11144477735;"v""2"\n';
    const rows = parseCsv(Buffer.from(text), 'list.csv');
    expect(rows).toEqual([
      { row: 3, cpf: '529.982.247-25', file: 'a;b.jpg', consentTermVersion: 'v1', consentDate: '2024-05-31' },
      { row: 5, cpf: '11144477735', file: 'c.jpg', consentTermVersion: 'v"2', consentDate: '31/05/2024' },
    ]);
    expect(parseCsv(Buffer.from('document_number,file,consent_term_version,consent_date\n1,2,3,4\n'), 'x.csv')[0]?.file).toBe('2');
  });

  it('reads consent dates in three forms, on São Paulo’s calendar, and refuses the future', () => {
    expect(consentDay('2024-02-29')).toBe('2024-02-29');
    expect(consentDay('29/02/2024')).toBe('2024-02-29');
    expect(consentDay('2023-02-29')).toBeNull();
    // 01:30 UTC is still the day before in São Paulo (UTC−3).
    expect(consentDay('2024-06-01T01:30:00Z')).toBe('2024-05-31');
    expect(consentDay('2024-06-01T10:00:00')).toBe('2024-06-01');
    expect(consentDay('31-05-2024')).toBeNull();
    const now = new Date('2024-06-01T02:00:00Z'); // 23:00 on 31 May in São Paulo
    expect(consentProblem('v1', '2024-05-31', now)).toBeNull();
    expect(consentProblem('v1', '2024-06-01', now)?.problem).toBe('invalid_consent_date');
    expect(consentProblem('', '2024-05-31', now)?.problem).toBe('missing_consent');
  });
});

describe('POST /api/{env}/bulk/jobs refuses an upload it cannot take, and keeps nothing of it', () => {
  it('no CSV, a header without the columns, no rows, too many rows, two CSVs', async () => {
    const bulk = await bulkApp();
    const jpeg = await photo(1);
    refusal(await upload(bulk, 'local', [{ field: 'zip', filename: 'a.zip', content: zipOf({ 'a.jpg': jpeg }) }]), 400, 'no_csv');
    refusal(await upload(bulk, 'local', []), 400, 'no_csv');
    const header = refusal(
      await upload(bulk, 'local', [{ field: 'csv', filename: 'l.csv', content: 'document_number;arquivo;consent_date\n1;2;3\n' }]),
      400,
      'missing_columns',
    );
    expect(header.description).toContain('missing: file, consent_term_version');
    refusal(await upload(bulk, 'local', [{ field: 'csv', filename: 'l.csv', content: csvOf([]) }]), 400, 'no_rows');
    const many = csvOf(Array.from({ length: 20_001 }, () => ['1', 'a.jpg', 'v1', DAY]));
    refusal(await upload(bulk, 'local', [{ field: 'csv', filename: 'l.csv', content: many }]), 400, 'too_many_rows');
    const two = zipOf({ 'a.csv': csvOf([['1', 'a.jpg', 'v1', DAY]]), 'b/b.csv': csvOf([]), 'a.jpg': jpeg });
    expect(
      refusal(await upload(bulk, 'local', [{ field: 'zip', filename: 'z.zip', content: two }]), 400, 'many_csv').description,
    ).toContain('b/b.csv');
    refusal(
      await upload(bulk, 'local', [
        { field: 'photos', filename: 'a.jpg', content: jpeg },
        { field: 'csv', filename: 'l.csv', content: csvOf([]) },
      ]),
      400,
      'csv_first',
    );
    await nothingLeft(bulk);
    expect(await bulk.app.inject({ method: 'GET', url: '/api/bulk/jobs' }).then((r) => r.statusCode)).toBe(401);
  });

  it('a damaged ZIP, something that is no ZIP, a photo over 20 MB, a body that is no multipart', async () => {
    const bulk = await bulkApp();
    const good = zipOf({ 'l.csv': csvOf([[cpfs(1)[0] ?? '', 'a.jpg', 'v1', DAY]]), 'a.jpg': await photo(2) });
    refusal(
      await upload(bulk, 'local', [{ field: 'zip', filename: 'z.zip', content: good.subarray(0, good.length - 30) }]),
      400,
      'invalid_zip',
    );
    refusal(await upload(bulk, 'local', [{ field: 'zip', filename: 'z.zip', content: 'not a zip at all' }]), 400, 'invalid_zip');
    const big = zipOf({ 'l.csv': csvOf([[cpfs(1)[0] ?? '', 'big.jpg', 'v1', DAY]]), 'big.jpg': Buffer.alloc(21 * 1024 * 1024) });
    expect(
      refusal(await upload(bulk, 'local', [{ field: 'zip', filename: 'z.zip', content: big }]), 400, 'photo_too_large').description,
    ).toContain('big.jpg');
    refusal(await bulk.as('admin', { method: 'POST', url: '/api/local/bulk/jobs', payload: { csv: 'x' } }), 406, 'not_multipart');
    refusal(await upload(bulk, 'local', [{ field: 'other', filename: 'x', content: 'x' }]), 400, 'unexpected_field');
    refusal(await upload(bulk, 'nowhere', [{ field: 'csv', filename: 'l.csv', content: 'x' }]), 404, 'environment_not_found');
    await nothingLeft(bulk);
  });

  it('refuses a request from another site, and roles without bulk', async () => {
    const bulk = await bulkApp({}, [{ name: 'sam', role: 'support', environments: null }]);
    const { payload, headers } = await import('./bulk-support.ts').then((m) =>
      m.multipart([{ field: 'csv', filename: 'l.csv', content: 'x' }]),
    );
    refusal(
      await bulk.as('admin', {
        method: 'POST',
        url: '/api/local/bulk/jobs',
        payload,
        headers: { ...headers, origin: 'https://evil.example' },
      }),
      403,
      'cross_site_request',
    );
    refusal(await upload(bulk, 'local', [{ field: 'csv', filename: 'l.csv', content: 'x' }], 'sam'), 403, 'forbidden');
    refusal(await bulk.as('sam', { method: 'GET', url: '/api/bulk/jobs' }), 403, 'forbidden');
  });
});

describe('the rows read from an upload', () => {
  it('finds each problem while reading, and the photos by path from the CSV’s folder, from the root, or by a unique bare name', async () => {
    const bulk = await bulkApp();
    const [a, b, c, d, e, f, g, h] = cpfs(8) as [string, string, string, string, string, string, string, string];
    const rows = [
      [a, 'fotos/A.JPG', 'v1', DAY], // row 2: by path from the CSV's folder, any case
      [b, 'lote/fotos/b.jpg', 'v1', '31/05/2024'], // 3: by path from the root
      [c, 'c.jpg', 'v1', '2024-05-31T10:00:00-03:00'], // 4: by bare name
      ['123.456.789-00', 'd.jpg', 'v1', DAY], // 5: invalid_cpf
      [d, 'd.jpg', '', DAY], // 6: missing_consent
      [e, 'd.jpg', 'v1', '2999-01-01'], // 7: invalid_consent_date
      [f, 'nothing.jpg', 'v1', DAY], // 8: missing_file
      [g, 'same.jpg', 'v1', DAY], // 9: ambiguous_file
      [a.replace(/\D/g, ''), 'd.jpg', 'v1', DAY], // 10: duplicate_cpf (row 2)
      [h, 'copy-of-a.jpg', 'v1', DAY], // 11: duplicate_photo (row 2's bytes)
    ];
    const photoA = await photo(10);
    const zip = zipOf({
      'lote/lista.csv': csvOf(rows),
      'lote/fotos/a.jpg': photoA,
      'lote/fotos/b.jpg': await photo(11),
      'outra/c.jpg': await photo(12),
      'd.jpg': await photo(13),
      'x/same.jpg': await photo(14),
      'y/same.jpg': await photo(15),
      'copy-of-a.jpg': photoA,
      '__MACOSX/lote/._lista.csv': 'resource fork',
      'lote/.DS_Store': 'finder',
    });
    const response = await upload(bulk, 'local', [{ field: 'zip', filename: 'lote.zip', content: zip }]);
    expect(response.statusCode, response.body).toBe(201);
    const job = json(response) as unknown as BulkJob;
    expect(job).toMatchObject({ environment: 'local', source_name: 'lote.zip', created_by: 'admin', needs_admin_confirmation: false });
    expect(job.counts.total).toBe(10);
    expect(job.problem_sample.map((p) => [p.row, p.problem])).toEqual([
      [5, 'invalid_cpf'],
      [6, 'missing_consent'],
      [7, 'invalid_consent_date'],
      [8, 'missing_file'],
      [9, 'ambiguous_file'],
      [10, 'duplicate_cpf'],
      [11, 'duplicate_photo'],
    ]);
    expect(job.problem_sample.find((p) => p.row === 10)?.description).toContain('Row 2');
    expect(job.problem_sample.find((p) => p.row === 11)?.description).toContain('row 2');
    expect(job.problem_sample.find((p) => p.row === 9)?.description).toMatch(/x\/same\.jpg.*y\/same\.jpg/);
    expect(job.problem_sample.find((p) => p.row === 10)?.cpf_masked).toBe(`***.${a.slice(4, 11)}-**`);
    expect(job.problem_sample.find((p) => p.row === 5)?.cpf_masked).toBeNull();
    expect(job.problem_counts).toMatchObject({ invalid_cpf: 1, duplicate_photo: 1 });

    const created = await bulk.as('admin', { method: 'GET', url: '/api/admin/audit?action=bulk_job_created' });
    expect(created.json<{ entries: { outcome: string; bulk_job: string }[] }>().entries).toMatchObject([
      { outcome: 'rows:10', bulk_job: job.id },
    ]);
  });

  it('takes a CSV and its photos as parts, their names with folders', async () => {
    const bulk = await bulkApp();
    const [a, b] = cpfs(2) as [string, string];
    const response = await upload(bulk, 'local', [
      {
        field: 'csv',
        filename: 'pasta/lista.csv',
        content: csvOf(
          [
            [a, 'a.jpg', 'v1', DAY],
            [b, 'sub/b.jpg', 'v1', DAY],
          ],
          ',',
        ),
      },
      { field: 'photos', filename: 'pasta/a.jpg', content: await photo(20) },
      { field: 'photos', filename: 'pasta/sub/b.jpg', content: await photo(21) },
      { field: 'photos', filename: 'pasta/unused.jpg', content: await photo(22) },
    ]);
    expect(response.statusCode, response.body).toBe(201);
    const job = json(response) as unknown as BulkJob;
    expect(job).toMatchObject({ source_name: 'pasta/lista.csv', counts: { total: 2, problems: 0 } });
  });
});
