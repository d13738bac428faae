import Papa from 'papaparse';
import { BULK_CSV_COLUMNS, BULK_MAX_ROWS } from '../../contract/bulk.ts';
import { Problem } from '../lib/problem.ts';

/*
 * The upload's CSV (decision 013): UTF-8 with or without a byte-order mark (or, failing UTF-8, the
 * Windows-1252 that Excel in a Brazilian locale saves "CSV" as), `;` or `,` between cells, quoted
 * cells, empty lines skipped. The header names the four columns, in any order; others are ignored.
 */

/** One data row of the CSV, its cells trimmed. */
export interface CsvRow {
  /** The row's number as a spreadsheet shows it: the header is row 1. */
  row: number;
  cpf: string;
  file: string;
  consentTermVersion: string;
  consentDate: string;
}

/** The CSV's text: UTF-8 (BOM stripped), else Windows-1252, whose every byte is a character. */
function decode(bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

/** `;` when the header line has one outside quotes (Excel in pt-BR), else `,`. */
function delimiterOf(text: string): ';' | ',' {
  let quoted = false;
  let commas = 0;
  let semicolons = 0;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && char === ';') semicolons += 1;
    else if (!quoted && char === ',') commas += 1;
  }
  return semicolons > 0 && semicolons >= commas ? ';' : ',';
}

const COLUMN_LIST = BULK_CSV_COLUMNS.join(', ');

/** Reads the CSV's rows, or refuses the upload (400) with what to fix. */
export function parseCsv(bytes: Buffer, name: string): CsvRow[] {
  const text = decode(bytes);
  const delimiter = delimiterOf(text);
  // Every record kept (empty ones too) so that a row's number is the spreadsheet's.
  // Line ends made one kind first: a file edited on two systems mixes them, and papaparse takes the first it sees for all.
  const parsed = Papa.parse<string[]>(text.replace(/\r\n?/g, '\n'), { delimiter, newline: '\n', skipEmptyLines: false, header: false });
  const quoteError = parsed.errors.find((error) => error.type === 'Quotes');
  if (quoteError !== undefined) {
    const row = (quoteError.row ?? 0) + 1;
    throw new Problem(
      400,
      'invalid_csv',
      `${name} could not be read: row ${String(row)} opens a quoted cell (") that is never closed. Fix the quotes and upload it again.`,
    );
  }
  const records = parsed.data;
  const isBlank = (record: string[]) => record.every((cell) => cell.trim() === '');
  const headerIndex = records.findIndex((record) => !isBlank(record));
  const header = headerIndex === -1 ? undefined : records[headerIndex];
  if (header === undefined) {
    throw new Problem(
      400,
      'empty_csv',
      `${name} is empty. Its first line must name the columns ${COLUMN_LIST}, one customer a line below.`,
    );
  }
  const names = header.map((cell) => cell.trim().toLowerCase());
  const missing = BULK_CSV_COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0) {
    throw new Problem(
      400,
      'missing_columns',
      `The first line of ${name} must name the columns ${COLUMN_LIST} (in any order, separated by ";" or ","); missing: ${missing.join(', ')}. Add ${missing.length === 1 ? 'it' : 'them'} and upload the CSV again.`,
    );
  }
  const at = (column: (typeof BULK_CSV_COLUMNS)[number]) => names.indexOf(column);
  const [cpfAt, fileAt, versionAt, dateAt] = [at('document_number'), at('file'), at('consent_term_version'), at('consent_date')];
  const rows: CsvRow[] = [];
  for (let index = headerIndex + 1; index < records.length; index += 1) {
    const record = records[index] ?? [];
    if (isBlank(record)) continue;
    if (rows.length === BULK_MAX_ROWS) {
      throw new Problem(
        400,
        'too_many_rows',
        `${name} has more than ${BULK_MAX_ROWS.toLocaleString('en')} rows, the most one job takes. Split it into several CSVs and upload each as a job of its own.`,
      );
    }
    const cell = (position: number) => (record[position] ?? '').trim();
    rows.push({
      row: index + 1,
      cpf: cell(cpfAt),
      file: cell(fileAt),
      consentTermVersion: cell(versionAt),
      consentDate: cell(dateAt),
    });
  }
  if (rows.length === 0) {
    throw new Problem(400, 'no_rows', `${name} has a header but no rows. Add one line per customer below the header.`);
  }
  return rows;
}

const saoPauloDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Sao_Paulo', year: 'numeric', month: '2-digit', day: '2-digit' });

/** YYYY-MM-DD of an instant on São Paulo's calendar (where the consents are given). */
function dateInSaoPaulo(instant: Date): string {
  return saoPauloDate.format(instant);
}

function validDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The consent's date as YYYY-MM-DD (São Paulo's day), from `AAAA-MM-DD`, `DD/MM/AAAA` or an ISO
 * date-time (with its offset, the instant's day in São Paulo; without, the day it names); null
 * when it is none of them, or no such day.
 */
export function consentDay(value: string): string | null {
  const ymd = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const dmy = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
  const parts = ymd !== null ? [ymd[1], ymd[2], ymd[3]] : dmy !== null ? [dmy[3], dmy[2], dmy[1]] : undefined;
  if (parts !== undefined) {
    const [year, month, day] = parts.map(Number) as [number, number, number];
    return validDay(year, month, day) ? `${pad(year, 4)}-${pad(month)}-${pad(day)}` : null;
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value);
  if (iso === null) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(iso[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (!validDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  if (iso[7] === undefined) return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  const instant = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(instant.getTime()) ? null : dateInSaoPaulo(instant);
}

/** Why a row's consent cannot be taken, as a problem and its sentence; null when it can. */
export function consentProblem(
  version: string,
  date: string,
  now = new Date(),
): { problem: 'missing_consent' | 'invalid_consent_date'; description: string } | null {
  if (version === '' || date === '') {
    const missing = [version === '' ? 'consent_term_version' : undefined, date === '' ? 'consent_date' : undefined].filter(Boolean);
    return {
      problem: 'missing_consent',
      description: `The consent is incomplete: ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} empty. A face is registered only with the customer's consent: fill in the version of the term they accepted and the date.`,
    };
  }
  const day = consentDay(date);
  if (day === null) {
    return {
      problem: 'invalid_consent_date',
      description: `The consent date "${date.slice(0, 40)}" is not a date: write it as 2024-05-31, 31/05/2024 or an ISO date-time (2024-05-31T14:00:00-03:00).`,
    };
  }
  if (day > dateInSaoPaulo(now)) {
    return {
      problem: 'invalid_consent_date',
      description: `The consent date ${day} is in the future. Write the day the customer accepted the term.`,
    };
  }
  return null;
}
