import { renderHook } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { UPSTREAM_FAULT_TITLES } from '../../../contract/console.ts';
import { ApiError } from '../../api/client.ts';
import { changeLanguage, initI18n } from '../../lib/i18n/i18n.ts';
import { useErrorText } from './api-error-message.tsx';

// The console server's own English sentence, which a translated message replaces.
const DESCRIPTION = 'Server-side description that must not be shown.';

async function errorTextIn(language: 'pt-BR' | 'en') {
  await changeLanguage(language);
  return renderHook(() => useErrorText()).result.current;
}

beforeEach(async () => {
  await initI18n();
});

describe('messages about a failed upstream', () => {
  it('say what happened and what to do, in Portuguese, with the upstream status where it matters', async () => {
    const text = await errorTextIn('pt-BR');
    expect(text(new ApiError(502, 'upstream_unreachable', DESCRIPTION))).toBe(
      'Não foi possível conectar ao serviço da QI Tech: nada chegou a ser enviado. Tente novamente em instantes; se continuar, avise o administrador do console.',
    );
    expect(text(new ApiError(504, 'upstream_timeout', DESCRIPTION))).toMatch(
      /^O serviço da QI Tech não respondeu a tempo\. Tente novamente/,
    );
    expect(text(new ApiError(502, 'upstream_connection_lost', DESCRIPTION))).toMatch(
      /^A conexão com o serviço da QI Tech caiu antes da resposta\. Tente novamente/,
    );
    expect(text(new ApiError(502, 'upstream_error', DESCRIPTION, { upstreamStatus: 503 }))).toMatch(
      /^O serviço da QI Tech falhou \(HTTP 503\)\. Tente novamente/,
    );
    expect(text(new ApiError(502, 'upstream_key_refused', DESCRIPTION, { upstreamStatus: 401 }))).toBe(
      'O serviço da QI Tech recusou a chave de API configurada no console para este ambiente (HTTP 401). Isso é um problema de configuração, não do cadastro: avise o administrador do console.',
    );
    expect(text(new ApiError(502, 'upstream_key_refused', DESCRIPTION, { upstreamStatus: 403 }))).toContain('(HTTP 403)');
    expect(text(new ApiError(502, 'bad_upstream_answer', DESCRIPTION, { upstreamStatus: 200 }))).toMatch(/respondeu de forma inesperada/);
  });

  it('say the same in English', async () => {
    const text = await errorTextIn('en');
    expect(text(new ApiError(502, 'upstream_unreachable', DESCRIPTION))).toBe(
      'The QI Tech service could not be reached: nothing was sent to it. Try again in a moment; if it persists, tell the console administrator.',
    );
    expect(text(new ApiError(504, 'upstream_timeout', DESCRIPTION))).toMatch(/^The QI Tech service did not answer in time\. Try again/);
    expect(text(new ApiError(502, 'upstream_connection_lost', DESCRIPTION))).toMatch(
      /^The connection to the QI Tech service was cut before it answered\. Try again/,
    );
    expect(text(new ApiError(502, 'upstream_error', DESCRIPTION, { upstreamStatus: 500 }))).toMatch(
      /^The QI Tech service failed \(HTTP 500\)\. Try again/,
    );
    expect(text(new ApiError(502, 'upstream_key_refused', DESCRIPTION, { upstreamStatus: 403 }))).toBe(
      'The QI Tech service refused the API key configured in the console for this environment (HTTP 403). This is a configuration problem, not a problem with the registration: tell the console administrator.',
    );
    expect(text(new ApiError(502, 'bad_upstream_answer', DESCRIPTION, { upstreamStatus: 200 }))).toMatch(/answered unexpectedly/);
  });

  it('exist for every title the contract names, in both languages, and differ from one another', async () => {
    for (const language of ['pt-BR', 'en'] as const) {
      const text = await errorTextIn(language);
      const generic = text(new ApiError(502, 'a_title_nobody_knows', DESCRIPTION));
      expect(generic).toContain(DESCRIPTION);
      const messages = UPSTREAM_FAULT_TITLES.map((title) => text(new ApiError(502, title, DESCRIPTION, { upstreamStatus: 503 })));
      for (const message of messages) {
        expect(message).not.toContain(DESCRIPTION);
        expect(message).not.toContain('{{');
      }
      expect(new Set(messages).size).toBe(UPSTREAM_FAULT_TITLES.length);
    }
  });
});
