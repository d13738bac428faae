import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { BULK_MAX_UPLOAD_BYTES } from '../../contract/bulk.ts';
import { Problem } from '../lib/problem.ts';

/*
 * The upload's ZIP (decision 013): streamed to a temporary file of its own (a mkdtemp folder, 0700,
 * removed in every case), then read with yauzl, which reads the central directory and then one
 * entry at a time: the archive is never held in memory, and only the entries the CSV names are
 * read. Folders, macOS's __MACOSX/ and dotfiles (.DS_Store…) are not the upload's files.
 */

const GB = (bytes: number) => `${String(bytes / 1024 ** 3)} GB`;

export function uploadTooLarge(): Problem {
  return new Problem(
    413,
    'upload_too_large',
    `The upload is larger than ${GB(BULK_MAX_UPLOAD_BYTES)}, the most one job takes. Split the CSV and its photos into several uploads.`,
  );
}

/** A temporary copy of the uploaded ZIP; `remove` deletes it (and its folder), whatever happened. */
export interface ZipCopy {
  path: string;
  remove(): Promise<void>;
}

/** Writes the part's stream to a temporary file, refusing past BULK_MAX_UPLOAD_BYTES. */
export async function copyZip(stream: Readable): Promise<ZipCopy> {
  // mkdtemp makes the folder 0700: nobody else on the machine reads the customers' photos in it.
  const dir = await mkdtemp(join(tmpdir(), 'frc-bulk-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const path = join(dir, 'upload.zip');
  let bytes = 0;
  try {
    await pipeline(
      stream,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          bytes += chunk.length;
          if (bytes > BULK_MAX_UPLOAD_BYTES) throw uploadTooLarge();
          yield chunk;
        }
      },
      createWriteStream(path, { mode: 0o600 }),
    );
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, remove };
}

/** Whether an entry is one of the upload's files: not a folder, nor macOS's resource forks, nor a dotfile. */
function isUploadFile(name: string): boolean {
  if (name.endsWith('/')) return false;
  const segments = name.split('/');
  return segments[0] !== '__MACOSX' && !segments.some((segment) => segment.startsWith('.'));
}

function damaged(name: string, error: unknown): Problem {
  const reason = error instanceof Error ? error.message.slice(0, 200) : 'unreadable';
  return new Problem(
    400,
    'invalid_zip',
    `${name} could not be read as a ZIP (${reason}). It may be damaged or cut short: make the ZIP again (or send the CSV and the photos themselves) and upload it.`,
  );
}

/** An opened ZIP: its files (entries that are no folder nor metadata), each read on demand. */
export interface UploadZip {
  files: Entry[];
  /** The entry's bytes; refuses (`tooLarge`) past `max`, whatever the entry declared. */
  read(entry: Entry, max: number, tooLarge: () => Problem): Promise<Buffer>;
  close(): void;
}

export async function openZip(path: string, name: string): Promise<UploadZip> {
  let zip: ZipFile;
  const files: Entry[] = [];
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true });
  } catch (error) {
    throw damaged(name, error);
  }
  try {
    for await (const entry of zip.eachEntry()) if (isUploadFile(entry.fileName)) files.push(entry);
  } catch (error) {
    zip.close();
    throw damaged(name, error);
  }
  return {
    files,
    async read(entry, max, tooLarge) {
      if (entry.uncompressedSize > max) throw tooLarge();
      if (entry.isEncrypted()) {
        throw new Problem(
          400,
          'invalid_zip',
          `${entry.fileName} is encrypted in ${name}. Make the ZIP again without a password and upload it.`,
        );
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      try {
        const stream = await zip.openReadStreamPromise(entry);
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          bytes += chunk.length;
          if (bytes > max) {
            stream.destroy();
            throw tooLarge();
          }
          chunks.push(chunk);
        }
      } catch (error) {
        if (error instanceof Problem) throw error;
        throw damaged(name, error);
      }
      return Buffer.concat(chunks);
    },
    close: () => {
      zip.close();
    },
  };
}
