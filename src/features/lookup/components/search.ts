import { cpfProblem, maskCpf } from '../../../../contract/cpf.ts';
import type { CpfProblem } from '../../../../contract/cpf.ts';
import { keySchema } from '../../../../contract/registration.ts';

// The contract's own check of a registration key (the server applies the same).
const registrationKeySchema = keySchema('registration_key');
export const isKey = (value: string) => registrationKeySchema.safeParse(value).success;

export type Lookup = { by: 'key'; key: string } | { by: 'document'; cpf: string };

/** Why the box's text was refused: empty, a key mistyped, a CPF's own problem, or neither a key nor a CPF. */
export type SearchProblem = 'required' | 'key' | CpfProblem | 'neither';

/**
 * What the search box holds, told by its shape: a registration key (a UUID, any case: looked up in
 * lower case), or a CPF typed with any punctuation or none (`529.982.247-25`, `52998224725`,
 * `529 982 247 25`: looked up masked). A CPF has at most one hyphen; several make a key mistyped.
 */
export function readSearch(raw: string): { ok: true; lookup: Lookup } | { ok: false; problem: SearchProblem } {
  const value = raw.trim();
  if (value === '') return { ok: false, problem: 'required' };
  if (isKey(value)) return { ok: true, lookup: { by: 'key', key: value.toLowerCase() } };
  if (/^[\d\s./-]+$/.test(value) && (value.match(/-/g)?.length ?? 0) <= 1) {
    const digits = value.replace(/\D/g, '');
    if (digits.length !== 11) return { ok: false, problem: 'format' };
    const problem = cpfProblem(digits);
    return problem === null ? { ok: true, lookup: { by: 'document', cpf: maskCpf(digits) } } : { ok: false, problem };
  }
  if (/^[\s{]*[0-9a-f]+(-[0-9a-f]*)+[\s}]*$/i.test(value) || /^[0-9a-f]{32}$/i.test(value)) return { ok: false, problem: 'key' };
  return { ok: false, problem: 'neither' };
}
