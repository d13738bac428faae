import { BULK_MAX_CSV_BYTES, BULK_MAX_PHOTO_BYTES, BULK_MAX_UPLOAD_BYTES } from '../../../../contract/bulk.ts';

/*
 * What a person picked, made into what the upload sends: one ZIP, or one CSV and its photos, each
 * photo named by its path inside the batch (what the CSV's `file` column names). Refused here,
 * before a long upload, what the server would refuse anyway: no CSV, two CSVs, a photo over the
 * limit. Nothing here leaves the page's memory.
 */

/** A file and its path inside the batch: `fotos/0001.jpg` in a folder, its bare name otherwise. */
export interface PickedFile {
  file: File;
  path: string;
}

export type Batch =
  | { kind: 'zip'; zip: File; size: number }
  | {
      kind: 'files';
      csv: File;
      photos: PickedFile[];
      /** Files neither photos nor the CSV (a PDF, a spreadsheet…): left out, and said so. */
      skipped: string[];
      size: number;
    };

export type BatchProblem =
  | { kind: 'none' }
  /** A dropped folder the browser could not read. */
  | { kind: 'folder' }
  | { kind: 'noCsv' }
  | { kind: 'manyCsv'; names: string[] }
  | { kind: 'zipAndFiles' }
  | { kind: 'manyZip' }
  | { kind: 'noPhotos' }
  | { kind: 'photoTooLarge'; name: string; size: number }
  | { kind: 'csvTooLarge'; size: number }
  | { kind: 'tooLarge'; size: number };

const ZIP = /\.zip$/i;
const CSV = /\.csv$/i;
const IMAGE = /\.(jpe?g|png|gif|webp|heic|heif|bmp|tiff?|avif)$/i;
/** What operating systems leave in folders and ZIPs: never part of a batch, not worth a word. */
const SYSTEM = /(^|\/)(\.[^/]*|__MACOSX|Thumbs\.db|desktop\.ini)(\/|$)/i;

const isZip = (file: File) => ZIP.test(file.name) || file.type === 'application/zip' || file.type === 'application/x-zip-compressed';
const isCsv = (file: File) => CSV.test(file.name) || file.type === 'text/csv';
// The server says which photos it cannot read (unsupported_image): any picture goes, only other files stay behind.
const isImage = (file: File) => IMAGE.test(file.name) || file.type.startsWith('image/');

/** A file's path inside the chosen folder without the folder's own name, or its name when chosen alone. */
function pathInBatch(file: File): string {
  const relative = file.webkitRelativePath;
  if (relative === '') return file.name;
  const slash = relative.indexOf('/');
  return slash < 0 ? relative : relative.slice(slash + 1);
}

export function makeBatch(picked: readonly PickedFile[]): { batch: Batch } | { problem: BatchProblem } {
  const files = picked.filter((p) => !SYSTEM.test(p.path));
  if (files.length === 0) return { problem: { kind: 'none' } };
  const zips = files.filter((p) => isZip(p.file));
  if (zips.length > 0) {
    if (zips.length < files.length) return { problem: { kind: 'zipAndFiles' } };
    const [only] = zips;
    if (only === undefined || zips.length > 1) return { problem: { kind: 'manyZip' } };
    if (only.file.size > BULK_MAX_UPLOAD_BYTES) return { problem: { kind: 'tooLarge', size: only.file.size } };
    return { batch: { kind: 'zip', zip: only.file, size: only.file.size } };
  }
  const csvs = files.filter((p) => isCsv(p.file));
  const [csv] = csvs;
  if (csv === undefined) return { problem: { kind: 'noCsv' } };
  if (csvs.length > 1) return { problem: { kind: 'manyCsv', names: csvs.map((p) => p.path) } };
  if (csv.file.size > BULK_MAX_CSV_BYTES) return { problem: { kind: 'csvTooLarge', size: csv.file.size } };
  const photos = files.filter((p) => p !== csv && isImage(p.file));
  if (photos.length === 0) return { problem: { kind: 'noPhotos' } };
  const large = photos.find((p) => p.file.size > BULK_MAX_PHOTO_BYTES);
  if (large !== undefined) return { problem: { kind: 'photoTooLarge', name: large.path, size: large.file.size } };
  const size = csv.file.size + photos.reduce((total, p) => total + p.file.size, 0);
  if (size > BULK_MAX_UPLOAD_BYTES) return { problem: { kind: 'tooLarge', size } };
  const skipped = files.filter((p) => p !== csv && !isImage(p.file)).map((p) => p.path);
  return { batch: { kind: 'files', csv: csv.file, photos, skipped, size } };
}

/** Files chosen with an input (one file, many, or a folder's whole tree). */
export const pickedFromInput = (files: FileList | null): PickedFile[] =>
  Array.from(files ?? [], (file) => ({ file, path: pathInBatch(file) }));

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: FileSystemEntry[] = [];
    // Chromium gives a folder's entries a hundred at a time: read until an empty batch.
    const next = () => {
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(entries);
        else {
          entries.push(...batch);
          next();
        }
      }, reject);
    };
    next();
  });
}

async function walk(entry: FileSystemEntry, top: string): Promise<PickedFile[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => {
      (entry as FileSystemFileEntry).file(resolve, reject);
    });
    // `/lote/fotos/0001.jpg` from a dropped folder `lote`: `fotos/0001.jpg`, as "Escolher pasta" names it.
    const path = entry.fullPath.replace(/^\//, '');
    return [{ file, path: top === '' ? path : path.slice(top.length + 1) }];
  }
  const children = await readAll((entry as FileSystemDirectoryEntry).createReader());
  return (await Promise.all(children.map((child) => walk(child, top)))).flat();
}

/**
 * What was dropped: files, and the whole tree of a dropped folder (its files named without the
 * folder's own name, as "Escolher pasta" names them).
 */
export async function pickedFromDrop(transfer: DataTransfer): Promise<PickedFile[]> {
  // Entries must be taken while the drop event runs; the files are read after.
  const entries = Array.from(transfer.items, (item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null));
  if (entries.every((entry) => entry === null)) return pickedFromInput(transfer.files);
  const picked = await Promise.all(
    entries.map((entry) => (entry === null ? Promise.resolve([]) : walk(entry, entry.isDirectory ? entry.name : ''))),
  );
  return picked.flat();
}
