import { createHash, randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import { BULK_MAX_CSV_BYTES, BULK_MAX_PHOTO_BYTES, BULK_MAX_UPLOAD_BYTES, BULK_UPLOAD_FIELDS } from '../../contract/bulk.ts';
import type { EnvironmentName } from '../../contract/console.ts';
import { Problem } from '../lib/problem.ts';
import type { BulkStore, NewRow } from './store.ts';
import { parseCsv } from './upload-csv.ts';
import { PhotoIndex, finishRows, planRows } from './upload-rows.ts';
import { copyZip, openZip, uploadTooLarge } from './upload-zip.ts';
import type { ZipCopy } from './upload-zip.ts';

/*
 * POST /api/{env}/bulk/jobs's body (decision 013): one `zip` part, or a `csv` part followed by its
 * `photos` parts. The job is made (`uploading`) as the first part arrives and each photo is kept in
 * its table as it is read; anything that goes wrong (a refusal, the client gone, a fault) deletes
 * the job and all it holds, and the ZIP's temporary copy in every case.
 */

/** Rows written to the store at a time. */
const ROW_BATCH = 500;
const MB = (bytes: number) => `${String(Math.round(bytes / 1024 / 1024))} MB`;
const FIELDS = `"${BULK_UPLOAD_FIELDS.zip}" (one ZIP), or "${BULK_UPLOAD_FIELDS.csv}" (the CSV) followed by "${BULK_UPLOAD_FIELDS.photos}" (its photos)`;

function photoTooLarge(name: string): Problem {
  return new Problem(
    400,
    'photo_too_large',
    `The photo "${name}" is larger than ${MB(BULK_MAX_PHOTO_BYTES)}, the most a photo may have. Export it at a lower resolution or quality and upload again.`,
  );
}

function csvTooLarge(name: string): Problem {
  return new Problem(
    400,
    'csv_too_large',
    `${name} is larger than ${MB(BULK_MAX_CSV_BYTES)}, the most a CSV may have. Keep only the four columns, or split it into several jobs.`,
  );
}

const noCsv = (where: string) =>
  new Problem(
    400,
    'no_csv',
    `${where} has no CSV. Upload the CSV of the customers (document_number;file;consent_term_version;consent_date) with their photos.`,
  );

/** Errors of the request itself (cut off, malformed, over a parser's limit) as refusals; the server's own pass through. */
function clientProblem(error: unknown): unknown {
  if (error instanceof Problem) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
    return new Problem(406, 'not_multipart', `Send the upload as multipart/form-data with the parts ${FIELDS}.`);
  }
  if (code === 'FST_REQ_FILE_TOO_LARGE') return uploadTooLarge();
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return new Problem(
      400,
      'too_many_files',
      'The upload has more files than one job takes. Split the CSV and its photos into several uploads.',
    );
  }
  // A system error (ENOSPC, EACCES…) is this server's fault, not the client's.
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return error;
  return new Problem(
    400,
    'invalid_upload',
    'The upload was cut off or is not well-formed multipart/form-data. Nothing was kept: upload the files again.',
  );
}

async function readPart(stream: Readable, max: number, tooLarge: () => Problem): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > max) {
      stream.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('base64');

/** A part's filename as a photo's key: `/` separators, no leading `/` or `./`. */
function photoName(filename: string): string {
  return posix
    .normalize(filename.replaceAll('\\', '/'))
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '');
}

export interface UploadOptions {
  store: BulkStore;
  environment: EnvironmentName;
  createdBy: string;
  needsAdminConfirmation: boolean;
  /** The uploads this process is reading: the runner does not take them for abandoned. */
  uploading: Set<string>;
}

/** Reads the upload into a new job, `checking` when it returns: its id and its rows' count. */
export async function receiveUpload(request: FastifyRequest, options: UploadOptions): Promise<{ id: string; rows: number }> {
  const { store } = options;
  const id = randomUUID();
  // In an object, as `held`: the catch below reads what the loop set.
  const state = { created: false };
  // In an object: the finally below reads what the loop assigned (narrowing would say `undefined`).
  const held: { zip?: ZipCopy } = {};
  options.uploading.add(id);
  const create = async (sourceName: string) => {
    if (state.created) return;
    const { environment, createdBy, needsAdminConfirmation } = options;
    await store.createJob({ id, environment, sourceName: sourceName.slice(0, 255), createdBy, needsAdminConfirmation });
    state.created = true;
  };
  try {
    let csv: { name: string; rows: ReturnType<typeof parseCsv> } | undefined;
    let zipName = '';
    const digests = new Map<string, string>();
    let bytes = 0;
    const count = (more: number) => {
      bytes += more;
      if (bytes > BULK_MAX_UPLOAD_BYTES) throw uploadTooLarge();
    };
    let parts: AsyncIterableIterator<Multipart>;
    try {
      parts = request.parts();
    } catch (error) {
      throw clientProblem(error);
    }
    for (;;) {
      let next: IteratorResult<Multipart>;
      try {
        next = await parts.next();
      } catch (error) {
        throw clientProblem(error);
      }
      if (next.done === true) break;
      const part = next.value;
      const field = part.fieldname;
      if (part.type !== 'file' || !Object.values(BULK_UPLOAD_FIELDS).includes(field as 'zip')) {
        if (part.type === 'file') part.file.resume();
        throw new Problem(
          400,
          'unexpected_field',
          `The upload has a part "${field.slice(0, 50)}" this route does not take. Send ${FIELDS}.`,
        );
      }
      const mixed = () => new Problem(400, 'mixed_upload', `Send either one ZIP, or a CSV and its photos, not both: ${FIELDS}.`);
      if (field === BULK_UPLOAD_FIELDS.zip) {
        if (held.zip !== undefined || csv !== undefined || digests.size > 0) throw mixed();
        zipName = part.filename || 'upload.zip';
        await create(zipName);
        try {
          held.zip = await copyZip(part.file);
        } catch (error) {
          throw clientProblem(error);
        }
      } else if (field === BULK_UPLOAD_FIELDS.csv) {
        if (held.zip !== undefined) throw mixed();
        if (csv !== undefined) throw new Problem(400, 'many_csv', 'The upload has more than one CSV. Send one CSV per job.');
        if (digests.size > 0) {
          throw new Problem(400, 'csv_first', `Send the "${BULK_UPLOAD_FIELDS.csv}" part before the "${BULK_UPLOAD_FIELDS.photos}" parts.`);
        }
        const name = part.filename || 'upload.csv';
        const content = await readPart(part.file, BULK_MAX_CSV_BYTES, () => csvTooLarge(name)).catch((error: unknown) => {
          throw clientProblem(error);
        });
        count(content.length);
        csv = { name, rows: parseCsv(content, posix.basename(photoName(name))) };
        await create(name);
      } else {
        if (held.zip !== undefined) throw mixed();
        if (csv === undefined) {
          part.file.resume();
          throw new Problem(400, 'csv_first', `Send the "${BULK_UPLOAD_FIELDS.csv}" part before the "${BULK_UPLOAD_FIELDS.photos}" parts.`);
        }
        const name = photoName(part.filename);
        // A file input left empty still sends a part, without a name or a byte.
        if (name === '' || name === '.') {
          part.file.resume();
          continue;
        }
        const content = await readPart(part.file, BULK_MAX_PHOTO_BYTES, () => photoTooLarge(name)).catch((error: unknown) => {
          throw clientProblem(error);
        });
        count(content.length);
        if (digests.has(name)) {
          throw new Problem(400, 'duplicate_file_name', `Two photos of the upload are named "${name}". Give each photo a name of its own.`);
        }
        await store.putPhoto(id, name, content);
        digests.set(name, sha256(content));
      }
    }
    let rows: NewRow[];
    if (held.zip !== undefined) rows = await readZip(held.zip.path, zipName, id, store);
    else if (csv !== undefined) {
      const folder = posix.dirname(photoName(csv.name));
      const planned = planRows(csv.rows, new PhotoIndex(digests.keys()), folder === '.' ? '' : folder);
      rows = finishRows(planned, (name) => digests.get(name));
    } else throw noCsv('The upload');
    for (let start = 0; start < rows.length; start += ROW_BATCH) await store.addRows(id, rows.slice(start, start + ROW_BATCH));
    await store.finishUpload(id);
    return { id, rows: rows.length };
  } catch (error) {
    if (state.created) {
      await store.deleteJob(id).catch((failure: unknown) => {
        request.log.error({ err: failure, bulkJob: id }, 'bulk upload: the refused job could not be deleted; it expires later');
      });
    }
    throw error;
  } finally {
    options.uploading.delete(id);
    await held.zip?.remove();
  }
}

/** The rows of an uploaded ZIP: its one CSV read first, then only the photos the rows name, each kept as read. */
async function readZip(path: string, zipName: string, id: string, store: BulkStore): Promise<NewRow[]> {
  const zip = await openZip(path, zipName);
  try {
    const csvs = zip.files.filter((entry) => entry.fileName.toLowerCase().endsWith('.csv'));
    const [csvEntry] = csvs;
    if (csvEntry === undefined) throw noCsv(zipName);
    if (csvs.length > 1) {
      throw new Problem(
        400,
        'many_csv',
        `${zipName} holds ${String(csvs.length)} CSVs (${csvs
          .slice(0, 3)
          .map((entry) => entry.fileName)
          .join(', ')}). Leave only the CSV of this job in the ZIP.`,
      );
    }
    const csvName = posix.basename(csvEntry.fileName);
    const rows = parseCsv(await zip.read(csvEntry, BULK_MAX_CSV_BYTES, () => csvTooLarge(csvName)), csvName);
    const photos = zip.files.filter((entry) => entry !== csvEntry);
    const folder = posix.dirname(csvEntry.fileName);
    const planned = planRows(rows, new PhotoIndex(photos.map((entry) => entry.fileName)), folder === '.' ? '' : folder);
    const needed = new Set(planned.flatMap((row) => (row.photo === null ? [] : [row.photo])));
    const digests = new Map<string, string>();
    // Bounded by what the entries declare (yauzl refuses an entry that inflates past its declaration).
    let total = csvEntry.uncompressedSize;
    for (const entry of photos) {
      if (!needed.has(entry.fileName) || digests.has(entry.fileName)) continue;
      total += entry.uncompressedSize;
      if (total > BULK_MAX_UPLOAD_BYTES) throw uploadTooLarge();
      const content = await zip.read(entry, BULK_MAX_PHOTO_BYTES, () => photoTooLarge(entry.fileName));
      await store.putPhoto(id, entry.fileName, content);
      digests.set(entry.fileName, sha256(content));
    }
    return finishRows(planned, (name) => digests.get(name));
  } finally {
    zip.close();
  }
}
