import type { BulkPace } from '../config.ts';

/*
 * The pace of one environment's bulk calls in this process (decision 013): at most `concurrency`
 * calls in flight, their starts spaced by 1/rate. A 429 or 503 halves the rate (not below
 * MIN_RATE) and holds every start for the Retry-After, else for a wait that doubles from 2 s to
 * 60 s; twenty successes in a row raise the rate by a quarter, up to the setting. The check's
 * look-ups and the sending share it: both are calls to the same upstream with the same key.
 */

/** The slowest a job goes after repeated 429/503: a row every five seconds. */
export const MIN_RATE = 0.2;
const FIRST_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 60_000;
/** Successes in a row that raise the rate again. */
const STREAK_TO_SPEED_UP = 20;
const SPEED_UP = 1.25;

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted === true || ms <= 0) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export class Pacer {
  readonly limit: number;
  readonly concurrency: number;
  /** The rate now (rows/s): the limit, or less after a 429/503. */
  current: number;
  private inFlight = 0;
  private nextStart = 0;
  /** No call starts before this (a 429/503's wait). */
  private heldUntil = 0;
  private backoffMs = FIRST_BACKOFF_MS;
  private streak = 0;
  private readonly waiters = new Set<() => void>();
  private readonly clock: Clock;

  constructor(pace: BulkPace, clock: Clock = realClock) {
    this.limit = pace.rate;
    this.concurrency = pace.concurrency;
    this.current = pace.rate;
    this.clock = clock;
  }

  /**
   * Waits for a place and for this call's turn; the function that gives the place back, or
   * undefined when `signal` was aborted first (nothing is to be started then).
   */
  async acquire(signal: AbortSignal): Promise<(() => void) | undefined> {
    while (this.inFlight >= this.concurrency) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    this.inFlight += 1;
    // Turns are taken in order: each call books the next start before it sleeps.
    for (;;) {
      const now = this.clock.now();
      const start = Math.max(now, this.nextStart, this.heldUntil);
      if (start <= now) break;
      await this.clock.sleep(start - now, signal);
      if (signal.aborted) {
        this.release();
        return undefined;
      }
    }
    this.nextStart = this.clock.now() + 1000 / this.current;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  private release(): void {
    this.inFlight -= 1;
    const [first] = this.waiters;
    first?.();
  }

  /** An answer that processed the call: counts toward speeding up again. */
  succeeded(): void {
    this.backoffMs = FIRST_BACKOFF_MS;
    this.streak += 1;
    if (this.streak >= STREAK_TO_SPEED_UP) {
      this.streak = 0;
      this.current = Math.min(this.limit, this.current * SPEED_UP);
    }
  }

  /** No start for `ms` (after an answer that decided nothing), the pace unchanged. */
  hold(ms: number): void {
    this.streak = 0;
    this.heldUntil = Math.max(this.heldUntil, this.clock.now() + ms);
  }

  /** A 429 or 503: half the pace, and no start before the wait is over. */
  slowDown(retryAfterSeconds?: number): void {
    this.streak = 0;
    this.current = Math.max(MIN_RATE, this.current / 2);
    const wait =
      retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0
        ? Math.min(retryAfterSeconds * 1000, MAX_BACKOFF_MS)
        : this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.heldUntil = Math.max(this.heldUntil, this.clock.now() + wait);
  }
}

/**
 * The wait a 429/503 asks for, when its body says it (`retry_after_seconds`, as the console's own
 * 429 does). The Retry-After header would be better, but the Upstream interface answers a status
 * and a body only: without either, the doubling wait applies.
 */
export function retryAfterOf(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as { retry_after_seconds?: unknown }).retry_after_seconds;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
