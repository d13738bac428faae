import * as z from 'zod/mini';

/** A CPF as QI Tech wants it: `123.456.789-09`. */
const CPF_MASK_PATTERN = /^\d{3}\.\d{3}\.\d{3}-\d{2}$/;
const CPF_DIGITS_PATTERN = /^\d{11}$/;

/** Why a CPF was refused; the UI maps these to its own words. */
export type CpfProblem = 'format' | 'repeated_digits' | 'check_digits';

function checkDigit(digits: string, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i += 1) sum += Number(digits[i]) * (length + 1 - i);
  const rest = (sum * 10) % 11;
  return rest === 10 ? 0 : rest;
}

/** Returns the 11 digits of a CPF written masked or bare, or null when it is neither. */
export function cpfDigits(value: string): string | null {
  const trimmed = value.trim();
  if (CPF_DIGITS_PATTERN.test(trimmed)) return trimmed;
  if (CPF_MASK_PATTERN.test(trimmed)) return trimmed.replace(/\D/g, '');
  return null;
}

export function cpfProblem(value: string): CpfProblem | null {
  const digits = cpfDigits(value);
  if (digits === null) return 'format';
  // 000.000.000-00 … 999.999.999-99 pass the check-digit arithmetic but are never issued.
  if (/^(\d)\1{10}$/.test(digits)) return 'repeated_digits';
  if (checkDigit(digits, 9) !== Number(digits[9]) || checkDigit(digits, 10) !== Number(digits[10])) {
    return 'check_digits';
  }
  return null;
}

export function maskCpf(digits: string): string {
  return `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6, 9)}-${digits.slice(9, 11)}`;
}

/**
 * `***.456.789-**`: the middle six digits, as Brazil's LGPD guidance masks a CPF where the whole
 * number is not needed (the audit trail, a duplicate face under another CPF). Null for a non-CPF.
 */
export function hideCpf(cpf: string): string | null {
  const digits = cpfDigits(cpf);
  if (digits === null || cpfProblem(cpf) !== null) return null;
  return `***.${digits.slice(3, 6)}.${digits.slice(6, 9)}-**`;
}

/** Masks as far as the digits typed so far allow: `1234` → `123.4`. For inputs, while typing. */
export function maskCpfPartial(value: string): string {
  const digits = value.replace(/\D/g, '').slice(0, 11);
  let out = digits.slice(0, 3);
  if (digits.length > 3) out += `.${digits.slice(3, 6)}`;
  if (digits.length > 6) out += `.${digits.slice(6, 9)}`;
  if (digits.length > 9) out += `-${digits.slice(9, 11)}`;
  return out;
}

/** A synthetic CPF with valid check digits, for tests and the sandbox: never a real person's on purpose. */
export function generateCpf(random: () => number = Math.random): string {
  let base = '';
  do {
    base = Array.from({ length: 9 }, () => Math.floor(random() * 10)).join('');
  } while (/^(\d)\1{8}$/.test(base));
  const first = checkDigit(base, 9);
  const second = checkDigit(base + String(first), 10);
  return maskCpf(`${base}${String(first)}${String(second)}`);
}

export const CPF_MESSAGES: Record<CpfProblem, string> = {
  format: 'A CPF has 11 digits, written 123.456.789-09 or 12345678909.',
  repeated_digits: 'A CPF with all digits equal (such as 111.111.111-11) is not valid. Check the number on the document.',
  check_digits: 'The check digits (the last two) do not match this CPF. Check for a mistyped digit.',
};

/** CPF, masked or digits only; check digits verified; normalised to the mask. */
export const cpfSchema = z.pipe(
  z.string({ error: 'document_number must be a CPF written as a string, such as "123.456.789-09".' }),
  z.transform((value: string, ctx) => {
    const problem = cpfProblem(value);
    if (problem !== null) {
      ctx.issues.push({ code: 'custom', message: CPF_MESSAGES[problem], input: value, params: { cpf: problem } });
      return z.NEVER;
    }
    return maskCpf(cpfDigits(value) ?? '');
  }),
);
