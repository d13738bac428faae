import { describe, expect, it, onTestFinished } from 'vitest';
import { CPF_A, fixtureBase64, tempDir } from './helper.ts';
import { exited, freePort, startProcess } from './process.ts';

const PICTURE = fixtureBase64('face-single-small-image.png');

describe('emulator durability', () => {
  it('keeps every acknowledged registration through a SIGKILL during concurrent writes', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    // About durable writes, not faces: without the face check (one detection at a time, ~50 ms
    // each), the workers write ~5x more often, so the kill lands among many more writes in flight.
    const env = { DATA_DIR: dataDir, EMULATOR_PORT: String(port), EMULATOR_FACE_CHECK: 'off' };
    const base = `http://127.0.0.1:${String(port)}/face_recognition`;

    const first = await startProcess('server/emulator/standalone.ts', env, port);
    onTestFinished(() => {
      first.kill('SIGKILL');
    });

    const acknowledged: string[] = [];
    let failedInFlight = 0;
    let stop = false;
    const stopped = () => stop;
    const worker = async () => {
      while (!stopped()) {
        try {
          const response = await fetch(`${base}/registration`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ document_number: CPF_A, image: PICTURE }),
          });
          if (response.status !== 201) throw new Error(`unexpected ${String(response.status)}: ${await response.text()}`);
          acknowledged.push(((await response.json()) as { registration_key: string }).registration_key);
        } catch (error) {
          if (!stopped()) throw error;
          failedInFlight += 1; // cut off by the kill: never acknowledged, so never promised
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);

    while (acknowledged.length < 150) await new Promise((resolve) => setTimeout(resolve, 10));
    stop = true;
    first.kill('SIGKILL');
    await Promise.allSettled(workers);
    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');
    // The kill landed while requests were still in flight.
    expect(failedInFlight).toBeGreaterThan(0);

    const second = await startProcess('server/emulator/standalone.ts', env, port);
    onTestFinished(() => {
      second.kill('SIGKILL');
    });
    const missing: string[] = [];
    for (const key of acknowledged) {
      const response = await fetch(`${base}/registration/${key}`);
      if (response.status !== 200) missing.push(key);
    }
    expect(missing).toEqual([]);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    const newest = (await (await fetch(`${base}/registration/document_number/${CPF_A}`)).json()) as { registration_key: string };
    expect(newest.registration_key).toMatch(/^[0-9a-f-]{36}$/);
  });
});
