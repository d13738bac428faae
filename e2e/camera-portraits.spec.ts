// A webcam showing one person the face checks were never tuned on (two Congress portraits, see
// `portraitIds` in support/fixtures.ts) must take the photo by itself, as it does for the Obama
// crop: an outside check saw a different single person held forever at "Apenas uma pessoa na
// imagem" by a spurious second face.
import sharp from 'sharp';
import { generateCpf } from '../contract/cpf.ts';
import { cameraFrame } from '../scripts/fixtures/camera-video.ts';
import { expect, test } from './support/browsers.ts';
import { grabCameraFrame } from './support/camera.ts';
import { cameraVideoSources, portraitIds } from './support/fixtures.ts';
import { acceptConsent } from './support/register.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** How long the camera may take to load the detector, see the face and capture it by itself. */
const AUTO_CAPTURE_WITHIN_MS = 20_000;
const MULTIPLE_FACES = 'Apenas uma pessoa na imagem';
/** A hint that stands this long is one the registrar reads: the multiple-faces hint must never last so long. */
const SETTLED_MS = 1_000;

interface Sample {
  /** Milliseconds since the camera was turned on. */
  at: number;
  /** The guidance shown, or '' while there is none yet. */
  text: string;
}

/** Mean absolute difference per channel (0–255) between a camera frame (PNG) and the RGB frame its video was made of. */
async function difference(png: Buffer, expected: Buffer): Promise<number> {
  const actual = await sharp(png).removeAlpha().raw().toBuffer();
  expect(actual.length).toBe(expected.length);
  let sum = 0;
  for (let i = 0; i < expected.length; i += 1) sum += Math.abs((actual[i] ?? 0) - (expected[i] ?? 0));
  return sum / expected.length;
}

/** The guidance as it changed: each distinct text with when it appeared and how long it stood. */
function stretches(samples: Sample[], end: number): { text: string; from: number; ms: number }[] {
  const out: { text: string; from: number; ms: number }[] = [];
  for (const [i, { at, text }] of samples.entries()) {
    const last = out.at(-1);
    const next = samples[i + 1]?.at ?? end;
    if (last?.text === text) last.ms += next - at;
    else out.push({ text, from: at, ms: next - at });
  }
  return out;
}

for (const id of portraitIds) {
  test(`a webcam showing one unseen person (portrait ${id}) takes the photo by itself and registers it`, async ({
    cameraPage,
  }, testInfo) => {
    test.setTimeout(60_000);
    const page = await cameraPage(`portrait-${id}`);
    await page.goto('/');
    // The camera shows the portrait as framed for a desk webcam (not Chromium's own test pattern).
    const frame = await grabCameraFrame(page);
    if (!frame.ok) throw new Error(`getUserMedia failed: ${frame.name}: ${frame.message}`);
    await testInfo.attach(`camera-frame-${id}`, { body: frame.png, contentType: 'image/png' });
    expect(await difference(frame.png, await cameraFrame(cameraVideoSources[`portrait${id}`], 'desk'))).toBeLessThan(6);

    await acceptConsent(page);
    await page.getByLabel('CPF do cliente').fill(generateCpf());
    await page.getByRole('button', { name: 'Ativar câmera' }).click();

    // Watch the guidance until the captured picture appears, without ever clicking "Capturar foto".
    const guidance = page.getByTestId('face-guidance');
    const preview = page.getByTestId('picture-preview');
    const samples: Sample[] = [];
    const started = Date.now();
    let captured = false;
    while (Date.now() - started < AUTO_CAPTURE_WITHIN_MS) {
      const [text = ''] = await guidance.allTextContents();
      samples.push({ at: Date.now() - started, text: text.replace(/^[✓⚠]\s*/, '').trim() });
      if (await preview.isVisible()) {
        captured = true;
        break;
      }
      await page.waitForTimeout(100);
    }
    const history = stretches(samples, Date.now() - started);
    const summary = history.map(({ text, from, ms }) => `${String(from)} ms +${String(ms)} ms: ${text || '(no guidance yet)'}`).join('\n');
    await testInfo.attach(`guidance-${id}`, { body: summary, contentType: 'text/plain' });

    const longestMultiple = Math.max(0, ...history.filter(({ text }) => text.includes(MULTIPLE_FACES)).map(({ ms }) => ms));
    expect(longestMultiple, `"${MULTIPLE_FACES}" stood ${String(longestMultiple)} ms; the guidance seen:\n${summary}`).toBeLessThan(
      SETTLED_MS,
    );
    expect(captured, `no photo taken by itself within ${String(AUTO_CAPTURE_WITHIN_MS)} ms; the guidance seen:\n${summary}`).toBe(true);

    // The camera's frame, checked again once captured, then sent and registered by the emulator.
    await expect(page.getByTestId('picture-details')).toContainText('640 × 480 px');
    await expect(page.getByTestId('picture-check')).toContainText('Rosto aprovado na verificação de qualidade.');
    await page.getByRole('button', { name: 'Cadastrar rosto' }).click();
    await expect(page.getByRole('heading', { name: 'Rosto cadastrado' })).toBeVisible();
    await expect(page.getByTestId('registration-key')).toHaveText(UUID);
  });
}
