import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../api/client.ts';
import { deskReducer, initialDesk, needsConfirmation, outcomeUnknown, pictureRefused } from './send-protocol.ts';
import type { DeskEvent, DeskState, Pending } from './send-protocol.ts';

const request = { document_number: '529.982.247-25', image: 'AAAA' };
const pending: Pending = { request, before: null, override: null };
const registered = {
  key: '3f2b6c1e-8d4a-4f7b-9c2e-1a5d7e9f0b3c',
  cpf: request.document_number,
  at: new Date(),
  late: false,
  env: 'local',
} as const;

const run = (...events: DeskEvent[]): DeskState => events.reduce(deskReducer, initialDesk);

describe('the desk’s send protocol', () => {
  it('after a registration: a fresh form with the banner, and nothing of the request kept', () => {
    const state = run({ type: 'check' }, { type: 'send', ...pending }, { type: 'registered', registered });
    expect(state.phase).toEqual({ step: 'editing' });
    expect(state.registered).toEqual(registered);
    expect(JSON.stringify(state)).not.toContain('AAAA');
  });

  it('the banner goes when the next customer’s send starts, so it is never read as that one’s result', () => {
    expect(run({ type: 'registered', registered }, { type: 'check' }).registered).toBeNull();
  });

  it('an edit drops a request a confirmation or a “send again” holds; not a failure’s message', () => {
    expect(run({ type: 'confirm', ...pending }, { type: 'edited' }).phase.step).toBe('editing');
    expect(run({ type: 'notCreated', ...pending, error: null }, { type: 'edited' }).phase.step).toBe('editing');
    expect(run({ type: 'failed', request, error: null }, { type: 'edited' }).phase.step).toBe('failed');
    expect(run({ type: 'send', ...pending }, { type: 'edited' }).phase.step).toBe('sending');
  });

  it('another picture drops every request that would carry the previous one', () => {
    for (const event of [
      { type: 'confirm', ...pending },
      { type: 'failed', request, error: null },
      { type: 'notCreated', ...pending, error: null },
      { type: 'unverified', ...pending, error: null, lookupError: null },
    ] as const) {
      expect(run(event, { type: 'pictureChanged' }).phase.step).toBe('editing');
    }
    // While a send is on its way the picture cannot change it.
    expect(run({ type: 'send', ...pending }, { type: 'pictureChanged' }).phase.step).toBe('sending');
  });

  it('Cancel leaves a confirmation with nothing sent; it does not undo a send', () => {
    expect(run({ type: 'confirm', ...pending }, { type: 'back' }).phase.step).toBe('editing');
    expect(run({ type: 'verify', ...pending, error: null }, { type: 'back' }).phase.step).toBe('verifying');
  });

  it('asks first only for a CPF already registered, or a refused picture with no “send anyway” box', () => {
    expect(needsConfirmation({ before: null, override: null, synthetic: false })).toBe(false);
    expect(needsConfirmation({ before: 'k', override: null, synthetic: true })).toBe(true);
    expect(needsConfirmation({ before: null, override: 'blurry', synthetic: true })).toBe(false);
    expect(needsConfirmation({ before: null, override: 'blurry', synthetic: false })).toBe(true);
  });

  it('tells a lost answer from a refusal, and a refused picture from a passing fault', () => {
    expect(outcomeUnknown(new ApiError(504, 'upstream_timeout', ''))).toBe(true);
    expect(outcomeUnknown(new ApiError(0, 'network', ''))).toBe(true);
    expect(outcomeUnknown(new ApiError(502, 'bad_upstream_answer', '', { upstreamStatus: 201 }))).toBe(true);
    expect(outcomeUnknown(new ApiError(502, 'bad_upstream_answer', '', { upstreamStatus: 500 }))).toBe(false);
    expect(outcomeUnknown(new ApiError(400, 'image_quality', ''))).toBe(false);
    expect(pictureRefused(new ApiError(400, 'image_quality', ''))).toBe(true);
    expect(pictureRefused(new ApiError(503, 'busy', ''))).toBe(false);
    expect(pictureRefused(new Error('x'))).toBe(false);
  });
});
