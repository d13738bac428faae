import { describe, expect, it } from 'vitest';
import { MIN_RATE, Pacer } from '../bulk/pacing.ts';
import type { Clock } from '../bulk/pacing.ts';

/** A clock the test moves: sleeps end when their time comes. */
function fakeClock(): Clock & { advance(ms: number): Promise<void> } {
  let now = 0;
  let sleepers: { until: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (signal?.aborted === true) {
          resolve();
          return;
        }
        sleepers.push({ until: now + ms, wake: resolve });
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        const next = sleepers.filter((s) => s.until <= target).sort((a, b) => a.until - b.until)[0];
        if (next === undefined) break;
        now = Math.max(now, next.until);
        sleepers = sleepers.filter((s) => s !== next);
        next.wake();
      }
      now = target;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('the pace of bulk calls', () => {
  it('spaces starts by 1/rate and keeps at most `concurrency` in flight', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 4, concurrency: 2 }, clock);
    const signal = new AbortController().signal;
    const starts: number[] = [];
    const releases: (() => void)[] = [];
    const take = async () => {
      const release = await pacer.acquire(signal);
      starts.push(clock.now());
      if (release !== undefined) releases.push(release);
    };
    const takes = [take(), take(), take()];
    await clock.advance(1_000);
    // Two in flight at 0 and 250 ms; the third waits for a place.
    expect(starts).toEqual([0, 250]);
    releases[0]?.();
    await clock.advance(10);
    expect(starts).toEqual([0, 250, 1_000]);
    await Promise.all(takes);
  });

  it('halves the rate on 429/503 down to 0.2/s, waits 2 s doubling to 60 s, and speeds up by a quarter after 20 successes', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ rate: 4, concurrency: 4 }, clock);
    const signal = new AbortController().signal;
    pacer.slowDown();
    expect(pacer.current).toBe(2);
    const waiting = pacer.acquire(signal);
    await clock.advance(1_999);
    let started = false;
    void waiting.then(() => {
      started = true;
    });
    await clock.advance(0);
    expect(started).toBe(false);
    await clock.advance(1);
    expect(started).toBe(true);
    (await waiting)?.();
    pacer.slowDown(); // 1/s, and the wait doubled: 4 s
    const doubled = pacer.acquire(signal);
    let after = false;
    void doubled.then(() => {
      after = true;
    });
    await clock.advance(3_990);
    expect(after).toBe(false);
    await clock.advance(10);
    expect(after).toBe(true);
    (await doubled)?.();
    for (let i = 0; i < 10; i += 1) pacer.slowDown();
    expect(pacer.current).toBe(MIN_RATE);
    for (let i = 0; i < 20; i += 1) pacer.succeeded();
    expect(pacer.current).toBeCloseTo(MIN_RATE * 1.25);
    for (let i = 0; i < 20 * 20; i += 1) pacer.succeeded();
    expect(pacer.current).toBe(4);
    // A wait said in the answer replaces the doubling one.
    const fresh = new Pacer({ rate: 4, concurrency: 4 }, clock);
    fresh.slowDown(0.5);
    const at = clock.now();
    const next = fresh.acquire(signal);
    await clock.advance(600);
    (await next)?.();
    expect(clock.now() - at).toBeGreaterThanOrEqual(500);
  });

  it('gives nothing once the work stops', async () => {
    const pacer = new Pacer({ rate: 1, concurrency: 1 }, fakeClock());
    const stop = new AbortController();
    const first = await pacer.acquire(stop.signal);
    expect(first).toBeTypeOf('function');
    const second = pacer.acquire(stop.signal);
    stop.abort();
    expect(await second).toBeUndefined();
  });
});
