import type { AuditEntry } from '../../contract/access.ts';
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
function cellFor(separator: string) {
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
function localTime(iso: string): string {
  const parts = Object.fromEntries(saoPaulo.formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  return `${parts.day ?? ''}/${parts.month ?? ''}/${parts.year ?? ''} ${parts.hour ?? ''}:${parts.minute ?? ''}:${parts.second ?? ''}`;
}

function english(entries: AuditEntry[]): string[][] {
  const columns = [
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
  const cell = cellFor(',');
  // Read by people in a spreadsheet too: the override says what it means, not only the check's status.
  const override = (entry: AuditEntry) =>
    entry.face_check_override === null ? null : AUDIT_LABELS.en.override.replace('{{status}}', entry.face_check_override);
  return [
    [...columns, 'face_check_override'],
    ...entries.map((entry) => [...columns.map((column) => cell(entry[column])), cell(override(entry))]),
  ];
}

function portuguese(entries: AuditEntry[]): string[][] {
  const labels = AUDIT_LABELS['pt-BR'];
  const cell = cellFor(';');
  return [
    [
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
    ],
    ...entries.map((entry) =>
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
      ].map(cell),
    ),
  ];
}

/** The audit trail as CSV for a spreadsheet: formula-safe cells, a byte-order mark, CRLF lines. */
export function toCsv(entries: AuditEntry[], format: CsvFormat = 'pt-br'): string {
  const separator = format === 'en' ? ',' : ';';
  const rows = format === 'en' ? english(entries) : portuguese(entries);
  // A byte-order mark so spreadsheet programs read the UTF-8 as such.
  return `\uFEFF${rows.map((row) => row.join(separator)).join('\r\n')}\r\n`;
}
