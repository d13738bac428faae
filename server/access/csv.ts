import type { AuditEntry } from '../../contract/access-admin.ts';
import { AUDIT_LABELS, auditOutcomeText } from '../../contract/audit-labels.ts';

/**
 * The two forms of the CSV export. `pt-BR` (the default) is what Excel in a Brazilian locale opens
 * as columns on a double click: `;` between cells, times on São Paulo's clock as dd/mm/aaaa
 * hh:mm:ss, actions and outcomes in words (the outcome's code kept in a column of its own),
 * Portuguese headers. `en` is for scripts: `,`, ISO 8601 UTC times, the trail's codes.
 */
export type CsvFormat = 'pt-br' | 'en';

/** Where the console's people are: the trail's times in the pt-BR export are on this clock. */
const CSV_TIME_ZONE = 'America/Sao_Paulo';

/** A spreadsheet runs a cell that starts like a formula: keep it text (OWASP CSV injection). */
export function cellFor(separator: string) {
  return (value: string | number | null): string => {
    if (value === null) return '';
    let text = String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return text.includes(separator) || /["\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
}

const saoPaulo = new Intl.DateTimeFormat('en-GB', {
  timeZone: CSV_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `30/11/2026 08:41:11`, on São Paulo's clock. */
function localTimeOf(date: Date): string {
  const parts = Object.fromEntries(saoPaulo.formatToParts(date).map((part) => [part.type, part.value]));
  return `${parts.day ?? ''}/${parts.month ?? ''}/${parts.year ?? ''} ${parts.hour ?? ''}:${parts.minute ?? ''}:${parts.second ?? ''}`;
}

/**
 * The local date and hour of the last UTC hour converted (`2026-11-30T11` → `30/11/2026 08`), or null
 * when that hour does not begin on a whole local hour. An export runs in the trail's order, so its
 * entries come an hour at a time: one Intl conversion an hour rather than one an entry (it was most
 * of a pt-BR export's time, and of its garbage).
 */
let lastHour: { utc: string; local: string | null } = { utc: '', local: null };

/** The same text as localTimeOf(new Date(iso)), for the trail's times (toISOString's form). */
function localTime(iso: string): string {
  const utc = iso.slice(0, 13);
  if (lastHour.utc !== utc) {
    const start = localTimeOf(new Date(`${utc}:00:00.000Z`));
    // São Paulo's offsets have been whole hours since 1914: minutes and seconds are UTC's.
    lastHour = { utc, local: start.endsWith(':00:00') ? start.slice(0, -6) : null };
  }
  return lastHour.local === null || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(iso)
    ? localTimeOf(new Date(iso))
    : `${lastHour.local}:${iso.slice(14, 19)}`;
}

const ENGLISH_COLUMNS = [
  'id',
  'at',
  'actor',
  'action',
  'environment',
  'cpf_masked',
  'registration_key',
  'outcome',
  'status',
  'consent_term',
  'address',
] as const;

const PORTUGUESE_HEADER = [
  'ID',
  'Data e hora (Brasília)',
  'Usuário',
  'Ação',
  'Ambiente',
  'CPF (mascarado)',
  'Chave do cadastro',
  'Resultado',
  'Código do resultado',
  'HTTP',
  'Termo de consentimento',
  'Endereço IP',
  'Verificação facial',
  'Lote',
];

/** A CSV form: its header line and how an entry becomes a line (both without the line break). */
interface CsvForm {
  header: string;
  line: (entry: AuditEntry) => string;
}

function english(): CsvForm {
  const cell = cellFor(',');
  // Read by people in a spreadsheet too: the override says what it means, not only the check's status.
  const override = (entry: AuditEntry) =>
    entry.face_check_override === null ? null : AUDIT_LABELS.en.override.replace('{{status}}', entry.face_check_override);
  return {
    header: [...ENGLISH_COLUMNS, 'face_check_override', 'bulk_job'].join(','),
    line: (entry) =>
      [...ENGLISH_COLUMNS.map((column) => cell(entry[column])), cell(override(entry)), cell(entry.bulk_job ?? null)].join(','),
  };
}

function portuguese(): CsvForm {
  const labels = AUDIT_LABELS['pt-BR'];
  const cell = cellFor(';');
  return {
    header: PORTUGUESE_HEADER.join(';'),
    line: (entry) =>
      [
        entry.id,
        localTime(entry.at),
        entry.actor,
        labels.actions[entry.action],
        entry.environment,
        entry.cpf_masked,
        entry.registration_key,
        auditOutcomeText(entry.outcome, 'pt-BR') ?? entry.outcome,
        entry.outcome,
        entry.status,
        entry.consent_term,
        entry.address,
        entry.face_check_override === null ? null : labels.override.replace('{{status}}', entry.face_check_override),
        entry.bulk_job ?? null,
      ]
        .map(cell)
        .join(';'),
  };
}

const formOf = (format: CsvFormat): CsvForm => (format === 'en' ? english() : portuguese());

/** A byte-order mark so spreadsheet programs read the UTF-8 as such. */
const BOM = '\uFEFF';

/** The audit trail as CSV for a spreadsheet: formula-safe cells, a byte-order mark, CRLF lines. */
export function toCsv(entries: AuditEntry[], format: CsvFormat = 'pt-br'): string {
  const form = formOf(format);
  return `${BOM}${[form.header, ...entries.map(form.line)].join('\r\n')}\r\n`;
}

/**
 * The same CSV as toCsv, byte for byte, written as the pages come: the byte-order mark and the
 * header first, then each page's lines. Pulled one page at a time: nothing is read before the
 * text of the page before has been taken, and returning early (the client left) stops the pages.
 */
export async function* csvChunks(pages: AsyncIterable<AuditEntry[]>, format: CsvFormat = 'pt-br'): AsyncGenerator<string, void, undefined> {
  const form = formOf(format);
  yield `${BOM}${form.header}\r\n`;
  for await (const page of pages) if (page.length > 0) yield `${page.map(form.line).join('\r\n')}\r\n`;
}
