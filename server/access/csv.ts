import type { AuditEntry } from '../../contract/access.ts';

/**
 * The audit trail as CSV for a spreadsheet: formula-safe cells (OWASP CSV injection), a
 * byte-order mark, CRLF lines.
 */
export function toCsv(entries: AuditEntry[]): string {
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
  const cell = (value: string | number | null): string => {
    if (value === null) return '';
    let text = String(value);
    // A spreadsheet runs a cell that starts like a formula: keep it text (OWASP CSV injection).
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  // Read by people in a spreadsheet: the override says what it means, not only the check's status.
  const override = (entry: AuditEntry) => (entry.face_check_override === null ? null : `sent despite ${entry.face_check_override}`);
  const lines = [
    [...columns, 'face_check_override'].join(','),
    ...entries.map((entry) => [...columns.map((column) => cell(entry[column])), cell(override(entry))].join(',')),
  ];
  // A byte-order mark so spreadsheet programs read the UTF-8 as such.
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
