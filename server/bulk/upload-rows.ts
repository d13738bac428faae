import { posix } from 'node:path';
import type { BulkProblem } from '../../contract/bulk.ts';
import { CPF_MESSAGES, cpfDigits, cpfProblem } from '../../contract/cpf.ts';
import type { NewRow } from './store.ts';
import { consentProblem } from './upload-csv.ts';
import type { CsvRow } from './upload-csv.ts';

/*
 * What the upload's reading finds of each row (decision 013): the CPF, the consent, the photo the
 * `file` cell names, and duplicates inside the batch (the earlier row kept, later ones problems).
 * Only rows with no problem of their own claim their CPF and their photo: a later row with the same
 * CPF as a row that will not be sent anyway is itself sent.
 */

interface Found {
  problem: BulkProblem;
  description: string;
}

/** A path as the index keys it: `/` separators, no `./` or leading `/`, `..` resolved, lower case. */
function keyOf(path: string): string {
  const normal = posix
    .normalize(path.replaceAll('\\', '/'))
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '');
  return normal === '.' ? '' : normal.toLowerCase();
}

const listed = (names: readonly string[]) =>
  names
    .slice(0, 3)
    .map((name) => `"${name}"`)
    .join(', ') + (names.length > 3 ? ` and ${String(names.length - 3)} more` : '');

/** The upload's photos by path and by bare name, both without regard to case. */
export class PhotoIndex {
  private readonly byPath = new Map<string, string[]>();
  private readonly byBareName = new Map<string, string[]>();

  constructor(names: Iterable<string>) {
    for (const name of names) {
      const key = keyOf(name);
      this.byPath.set(key, [...(this.byPath.get(key) ?? []), name]);
      const bare = posix.basename(key);
      this.byBareName.set(bare, [...(this.byBareName.get(bare) ?? []), name]);
    }
  }

  /**
   * The photo a `file` cell names: its path from the CSV's folder, else from the upload's root,
   * else its bare name when one photo alone has it.
   */
  match(cell: string, csvFolder: string): { name: string } | Found {
    if (cell === '') {
      return {
        problem: 'missing_file',
        description: 'The file column is empty. Write the name of the photo (or its path in the upload) of this customer.',
      };
    }
    for (const path of [posix.join(csvFolder, cell.replaceAll('\\', '/')), cell]) {
      const found = this.byPath.get(keyOf(path)) ?? [];
      if (found.length === 1 && found[0] !== undefined) return { name: found[0] };
      if (found.length > 1) return ambiguous(cell, found);
    }
    const bare = this.byBareName.get(posix.basename(keyOf(cell))) ?? [];
    if (bare.length === 1 && bare[0] !== undefined) return { name: bare[0] };
    if (bare.length > 1) return ambiguous(cell, bare);
    return {
      problem: 'missing_file',
      description: `No photo named "${cell}" is in the upload. Add the photo, or correct the name in the file column (its path from the CSV's folder, or its bare name).`,
    };
  }
}

function ambiguous(cell: string, names: readonly string[]): Found {
  return {
    problem: 'ambiguous_file',
    description: `"${cell}" names ${String(names.length)} photos of the upload (${listed(names)}). Write the photo's path (folder and name) in the file column, or rename the others.`,
  };
}

/** Why a CPF cell is no CPF, with a hint for the leading zeros a spreadsheet drops. */
function cpfFound(cell: string): Found | null {
  const problem = cpfProblem(cell);
  if (problem === null) return null;
  const lostZeros = /^\d{8,10}$/.test(cell)
    ? ' It has fewer than 11 digits: if the CSV came from a spreadsheet, format the column as text so the leading zeros are kept.'
    : '';
  return { problem: 'invalid_cpf', description: `${CPF_MESSAGES[problem]}${lostZeros}` };
}

/** A row as the first pass leaves it: its photo's name, or its problem. */
export interface PlannedRow {
  csv: CsvRow;
  photo: string | null;
  found: Found | null;
}

/** The first pass: CPF, consent, photo and duplicate CPFs, before any photo is read. */
export function planRows(rows: readonly CsvRow[], index: PhotoIndex, csvFolder: string, now = new Date()): PlannedRow[] {
  const firstOfCpf = new Map<string, number>();
  return rows.map((csv) => {
    const matched = index.match(csv.file, csvFolder);
    const found = cpfFound(csv.cpf) ?? consentProblem(csv.consentTermVersion, csv.consentDate, now) ?? ('name' in matched ? null : matched);
    if (found !== null) return { csv, photo: null, found };
    const digits = cpfDigits(csv.cpf) ?? '';
    const earlier = firstOfCpf.get(digits);
    if (earlier !== undefined) {
      return {
        csv,
        photo: null,
        found: {
          problem: 'duplicate_cpf',
          description: `Row ${String(earlier)} has the same CPF: only its first row is sent. Remove this row, or correct its CPF.`,
        },
      };
    }
    firstOfCpf.set(digits, csv.row);
    return { csv, photo: 'name' in matched ? matched.name : null, found: null };
  });
}

/**
 * The second pass, once the photos are read: a photo with the same bytes (SHA-256) as an earlier
 * row's makes the later row `duplicate_photo`; the rows as the store keeps them.
 */
export function finishRows(planned: readonly PlannedRow[], digestOf: (name: string) => string | undefined): NewRow[] {
  const firstOfDigest = new Map<string, { row: number; file: string }>();
  return planned.map(({ csv, photo, found }) => {
    let problem = found;
    if (problem === null && photo !== null) {
      const digest = digestOf(photo) ?? `name:${photo}`;
      const earlier = firstOfDigest.get(digest);
      if (earlier === undefined) firstOfDigest.set(digest, { row: csv.row, file: csv.file });
      else {
        problem = {
          problem: 'duplicate_photo',
          description: `This photo has the same content as row ${String(earlier.row)}'s ("${earlier.file}"): each customer needs a photo of their own. Choose this customer's photo, or remove the row.`,
        };
      }
    }
    const base = {
      row: csv.row,
      cpf: csv.cpf,
      file: csv.file,
      consentTermVersion: csv.consentTermVersion,
      consentDate: csv.consentDate,
    };
    return problem === null
      ? { ...base, photo, status: 'pending', problem: null, description: null }
      : { ...base, photo: null, status: 'problem', problem: problem.problem, description: problem.description };
  });
}
