import { admitFaceCheck } from '../emulator/face-detector.ts';
import { inspectPicture } from '../emulator/image-check.ts';
import { Problem } from '../lib/problem.ts';
import { lookUpCpf } from './calls.ts';
import { preparePhoto } from './prepare.ts';
import type { CheckOutcome, StoredJob, StoredRow } from './store.ts';
import { outageWatch, pauseJob, statusReader } from './work.ts';
import type { OutageWatch, WorkContext } from './work.ts';

/*
 * The check of a `checking` job (decision 013), one row at a time: the photo prepared as the desk
 * would send it, judged by the console's face check (behind the desks' pictures: it waits for a
 * place in the face check's queue rather than taking one a desk would be refused for), then the
 * CPF looked up in the job's environment. When no row is left pending, the job is `ready`. A
 * look-up refused for the console's key, or the environment unreachable for a minute, pauses the
 * job for an administrator as the sending does (its rows stay pending: resumed, the check goes on).
 */

const PENDING_BATCH = 20;
/** How often a check waiting for a place in the face check's queue asks again. */
const ADMIT_POLL_MS = 200;
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;

/** Whether the work stops (a function: the signal changes while the check awaits). */
const stopped = (context: WorkContext) => context.signal.aborted;

/** A place in the face check's queue, waited for; undefined when the work stops first. */
async function admitted(context: WorkContext): Promise<(() => void) | undefined> {
  for (;;) {
    if (context.signal.aborted) return undefined;
    try {
      return admitFaceCheck();
    } catch (error) {
      if (!(error instanceof Problem) || error.statusCode !== 503) throw error;
    }
    await context.clock.sleep(ADMIT_POLL_MS, context.signal);
  }
}

/** The face check's refusals, as the row's problems. */
function faceProblem(problem: Problem): CheckOutcome | undefined {
  if (problem.imageStatus !== undefined) {
    return { status: 'problem', problem: 'image_quality', imageStatus: problem.imageStatus, description: problem.description };
  }
  const kinds: Record<string, 'image_too_small' | 'image_too_large' | 'unreadable_image' | 'unsupported_image'> = {
    image_too_small: 'image_too_small',
    image_too_large: 'image_too_large',
    invalid_image: 'unreadable_image',
    unsupported_image_format: 'unsupported_image',
  };
  const kind = kinds[problem.title];
  return kind === undefined ? undefined : { status: 'problem', problem: kind, description: problem.description };
}

/** The photo's verdict: the prepared JPEG, or the row's problem; undefined when the work stops first. */
async function judgePhoto(context: WorkContext, photo: Buffer): Promise<Buffer | CheckOutcome | undefined> {
  const prepared = await preparePhoto(photo);
  if (!Buffer.isBuffer(prepared)) return prepared;
  const release = await admitted(context);
  if (release === undefined) return undefined;
  try {
    await context.faceCheck(await inspectPicture(prepared));
    return prepared;
  } catch (error) {
    const outcome = error instanceof Problem ? faceProblem(error) : undefined;
    if (outcome === undefined) throw error;
    return outcome;
  } finally {
    release();
  }
}

/** One row's outcome; undefined when the work stops (the job paused, or no longer `checking`) before it is known. */
async function checkRow(
  context: WorkContext,
  job: StoredJob,
  row: StoredRow & { photo: Buffer | null },
  stillChecking: () => Promise<boolean>,
  watch: OutageWatch,
): Promise<CheckOutcome | undefined> {
  if (row.photo === null) {
    return { status: 'problem', problem: 'missing_file', description: 'The photo of this row is no longer held. Upload the row again.' };
  }
  const verdict = await judgePhoto(context, row.photo);
  if (verdict === undefined || !Buffer.isBuffer(verdict)) return verdict;
  let waitMs = FIRST_RETRY_MS;
  for (;;) {
    const release = await context.pacer.acquire(context.signal);
    if (release === undefined) return undefined;
    let found: Awaited<ReturnType<typeof lookUpCpf>>;
    try {
      found = await lookUpCpf(context.environment, row.cpf);
    } finally {
      release();
    }
    if (found.kind === 'found') {
      watch.decided();
      return { status: 'already_registered', registrationKey: found.registrationKey };
    }
    if (found.kind === 'not_found') {
      watch.decided();
      context.pacer.succeeded();
      return { status: 'ready', photo: verdict };
    }
    // Nothing decided (429, 5xx, a fault): the row stays pending and waits, unless an administrator must act.
    context.log.warn(
      { bulkJob: row.jobId, row: row.row, environment: context.environment.name, reason: found.reason },
      'bulk check: the look-up decided nothing',
    );
    const pause = watch.pauseFor(found);
    if (pause !== undefined) {
      await pauseJob(context.store, job, pause);
      return undefined;
    }
    if (found.slowDown) context.pacer.slowDown(found.retryAfter);
    else {
      await context.clock.sleep(waitMs, context.signal);
      waitMs = Math.min(waitMs * 2, MAX_RETRY_MS);
    }
    if (stopped(context) || !(await stillChecking())) return undefined;
  }
}

/** Checks the job's pending rows until none is left (then `ready`), or the work stops. */
export async function checkJob(context: WorkContext, job: StoredJob): Promise<void> {
  const { store } = context;
  const status = statusReader(store, job.id, context.clock);
  const stillChecking = async () => (await status()) === 'checking';
  const watch = outageWatch(context);
  while (!stopped(context) && (await stillChecking())) {
    const rows = await store.pendingRows(job.id, PENDING_BATCH);
    if (rows.length === 0) {
      await store.transition(job.id, ['checking'], 'ready');
      return;
    }
    for (const row of rows) {
      if (stopped(context) || !(await stillChecking())) return;
      const outcome = await checkRow(context, job, row, stillChecking, watch);
      if (outcome === undefined) return;
      await store.recordCheck(job.id, row.row, outcome);
    }
  }
}
