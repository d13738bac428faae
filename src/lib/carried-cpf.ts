import { useHistoryState } from 'wouter/use-browser-location';

/**
 * A CPF taken from one page to another (a look-up by CPF, "register this CPF") in the history
 * entry's state, never in its address: an address ends up in the browser's history, in bookmarks,
 * in shared links and in servers' logs, and a whole CPF is personal data. The state survives a
 * reload and Back/Forward, as an address would, and goes nowhere else.
 */
export function carryCpf(cpf: string): { cpf: string } {
  return { cpf };
}

/** The CPF this history entry carries, if any. */
export function useCarriedCpf(): string | undefined {
  const state = useHistoryState<unknown>();
  if (typeof state !== 'object' || state === null || !('cpf' in state)) return undefined;
  return typeof state.cpf === 'string' ? state.cpf : undefined;
}
