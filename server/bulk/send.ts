import { cpfDigits } from '../../contract/cpf.ts';
import type { NewAuditEntry } from '../access/store.ts';
import { lookUpCpf, register } from './calls.ts';
import type { LookupResult, Undecided } from './calls.ts';
import type { BulkStore, SendOutcome, StoredJob, StoredRow } from './store.ts';
import { BULK_ACTOR, outageWatch, pauseJob, statusReader } from './work.ts';
import type { WorkContext } from './work.ts';

/*
 * The sending of a `running` job (decision 013). A row is `sending` (committed) before its call;
 * its answer and its audit entry are written together. A row left `sending` (a lost answer, a 5xx,
 * the process stopped mid-call) is looked up by CPF before it is ever sent again: found, it is
 * registered with that key; not found, it is ready again. Paced by the environment's Pacer; a
 * person's pause or cancel stops new calls within a second, and the calls in flight finish and
 * are recorded; rows whose answer is unknown when it is cancelled are looked up (settleCancelled).
 */

const READY_BATCH = 50;
/** How long a cancelled job's rows left `sending` are looked up for, at most (waits of 1 s, doubling). */
const SETTLE_FOR_MS = 60_000;
const FIRST_SETTLE_WAIT_MS = 1_000;
/** Waits after undecided answers that are no 429/503 (a 500, a timeout): doubling up to this. */
const MAX_HOLD_MS = 30_000;

type Ready = StoredRow & { photo: Buffer };

/** A row's outcome and its `register` audit entry (the starter as actor), in one transaction. */
async function record(store: BulkStore, job: StoredJob, row: StoredRow, outcome: SendOutcome): Promise<void> {
  const registered = outcome.status === 'registered';
  const audit: NewAuditEntry = {
    actor: job.startedBy,
    action: 'register',
    environment: job.environment,
    cpf: row.cpf,
    registrationKey: registered ? outcome.registrationKey : null,
    consentTerm: row.consentTermVersion,
    outcome: registered ? 'ok' : outcome.refusalTitle,
    status: outcome.httpStatus,
    address: null,
    bulkJob: job.id,
  };
  await store.recordSend(job.id, row.row, outcome, audit);
}

/**
 * A row left `sending` whose CPF was looked up: found, it is `registered` with that key (and its
 * audit entry); not found, ready again (`not_sent` in a cancelled job). The look-up's answer when
 * it decided nothing, the row left as it was.
 */
async function settleLookedUp(store: BulkStore, job: StoredJob, row: StoredRow, found: LookupResult): Promise<Undecided | undefined> {
  if (found.kind === 'found') {
    await record(store, job, row, { status: 'registered', registrationKey: found.registrationKey, httpStatus: 200, similarFaces: null });
    return undefined;
  }
  if (found.kind === 'not_found') {
    await store.markReady(job.id, row.row);
    return undefined;
  }
  return found;
}

export async function sendJob(context: WorkContext, job: StoredJob): Promise<void> {
  const { store, environment, pacer, clock } = context;
  const status = statusReader(store, job.id, clock);
  const lookups: StoredRow[] = await store.sendingRows(job.id);
  const inFlight = new Set<Promise<void>>();
  let ready: Ready[] = [];
  const watch = outageWatch(context);
  let failures = 0;
  let stop = false;
  // A function: the flag changes in the calls' callbacks, which the loop's narrowing does not see.
  const stopped = () => stop || context.signal.aborted;

  /** What an undecided answer does to the pace and the job; the row itself is left as the caller says. */
  const undecided = async (result: Undecided, row: StoredRow) => {
    context.log.warn(
      { bulkJob: job.id, row: row.row, environment: environment.name, reason: result.reason },
      'bulk send: the answer decided nothing',
    );
    const pause = watch.pauseFor(result);
    if (pause !== undefined) {
      stop = true;
      await pauseJob(store, job, pause);
      return;
    }
    if (result.slowDown) pacer.slowDown(result.retryAfter);
    else if (!result.notProcessed) {
      failures += 1;
      pacer.hold(Math.min(1000 * 2 ** (failures - 1), MAX_HOLD_MS));
    }
  };

  const decided = () => {
    failures = 0;
    watch.decided();
    pacer.succeeded();
  };

  /** A row left `sending`: registered if its CPF has a registration now, else ready again. */
  const resolve = async (row: StoredRow) => {
    const left = await settleLookedUp(store, job, row, await lookUpCpf(environment, row.cpf));
    if (left === undefined) decided();
    else {
      await undecided(left, row);
      lookups.push(row);
    }
  };

  const send = async (row: Ready) => {
    const result = await register(environment, row.cpf, row.photo);
    if (result.kind === 'registered' || result.kind === 'refused') {
      decided();
      await record(
        store,
        job,
        row,
        result.kind === 'registered'
          ? {
              status: 'registered',
              registrationKey: result.registrationKey,
              httpStatus: result.httpStatus,
              similarFaces: result.similarFaces,
            }
          : {
              status: 'refused',
              refusalTitle: result.refusalTitle,
              imageStatus: result.imageStatus,
              description: result.description,
              httpStatus: result.httpStatus,
            },
      );
      return;
    }
    // A 429 or a refused key processed nothing: ready again. Anything else may have registered it.
    if (result.notProcessed) await store.markReady(job.id, row.row);
    await undecided(result, row);
  };

  const start = (task: Promise<void>, release: () => void) => {
    const running = task
      .catch((error: unknown) => {
        // The row stays as it was (sending: looked up later); the job goes on.
        context.log.error({ err: error, bulkJob: job.id }, 'bulk send: a row could not be recorded');
      })
      .finally(() => {
        release();
        inFlight.delete(running);
      });
    inFlight.add(running);
  };

  try {
    while (!stopped() && (await status()) === 'running') {
      const lost = lookups.shift();
      let next: Ready | undefined;
      if (lost === undefined) {
        if (ready.length === 0) ready = await store.readyRows(job.id, READY_BATCH);
        next = ready.shift();
        if (next === undefined) {
          if (inFlight.size > 0) {
            await Promise.race(inFlight);
            continue;
          }
          const left = await store.sendingRows(job.id);
          if (left.length > 0) {
            lookups.push(...left);
            continue;
          }
          await finish(context, job);
          return;
        }
      }
      const release = await pacer.acquire(context.signal);
      if (release === undefined) {
        if (lost !== undefined) lookups.unshift(lost);
        break;
      }
      // Read afresh right before a row is marked: a cancel must not be overtaken by a stale status.
      if (stopped() || (await status(true)) !== 'running') {
        release();
        break;
      }
      if (lost !== undefined) start(resolve(lost), release);
      else if (next !== undefined) {
        // False: the row is no longer to be sent (the job was cancelled meanwhile).
        if (await store.markSending(job.id, next.row)) start(send(next), release);
        else release();
      }
    }
  } finally {
    await Promise.allSettled([...inFlight]);
  }
  // Cancelled while calls were in flight: the rows whose answers came since keep their CPFs masked
  // only, as the cancellation left the others (those left sending keep theirs: settleCancelled).
  if ((await status(true)) === 'cancelled') await store.deletePhotos(job.id);
}

/**
 * A cancelled job's rows left `sending`: calls in flight when a person cancelled it whose answer
 * was lost (a timeout, a 5xx, a cut connection), or left so from before (a lost answer not yet
 * looked up, the process stopped mid-call). Whoever cancels means "send nothing more", not "forget
 * what was sent": QI Tech may hold the registration, and the results and the audit trail must say
 * so. So each is looked up by CPF, as before any row is sent again: found, it is `registered` with
 * its audit entry; not found, `not_sent`. A row no look-up decides within a minute (or at once:
 * the key refused) stays `sending`, its outcome unknown, its CPF masked like the others: the
 * results say so, and that its CPF is to be looked up before it is sent again (a new job's check
 * does it).
 */
export async function settleCancelled(context: WorkContext, job: StoredJob): Promise<void> {
  const { store, environment, pacer, clock, signal } = context;
  const until = clock.now() + SETTLE_FOR_MS;
  let waitMs = FIRST_SETTLE_WAIT_MS;
  // A CPF masked already (by a console before this rule) cannot be looked up.
  let rows = (await store.sendingRows(job.id)).filter((row) => cpfDigits(row.cpf) !== null);
  while (rows.length > 0) {
    const left: StoredRow[] = [];
    let keyRefused = false;
    for (const row of rows) {
      if (keyRefused) {
        left.push(row);
        continue;
      }
      const release = await pacer.acquire(signal);
      // The server stops or the lease is lost: the job is handed out again, its CPFs still whole.
      if (release === undefined) return;
      let found: LookupResult;
      try {
        found = await lookUpCpf(environment, row.cpf);
      } finally {
        release();
      }
      // The job is cancelled: a row not found becomes `not_sent`.
      const undecided = await settleLookedUp(store, job, row, found);
      if (undecided === undefined) pacer.succeeded();
      else {
        context.log.warn(
          { bulkJob: job.id, row: row.row, environment: environment.name, reason: undecided.reason },
          'bulk cancel: the look-up of a row left sending decided nothing',
        );
        if (undecided.slowDown) pacer.slowDown(undecided.retryAfter);
        keyRefused = undecided.keyRefused;
        left.push(row);
      }
    }
    rows = left;
    if (rows.length === 0 || keyRefused || clock.now() + waitMs >= until) break;
    await clock.sleep(waitMs, signal);
    if (signal.aborted) return;
    waitMs *= 2;
  }
  if (rows.length > 0) {
    context.log.warn(
      { bulkJob: job.id, rows: rows.map((row) => row.row), environment: environment.name },
      'bulk cancel: rows sent whose outcome stays unknown',
    );
  }
  await store.forgetCpfs(job.id);
}

/** Nothing is ready or sending: the job is done, its photos deleted, its end audited. */
async function finish(context: WorkContext, job: StoredJob): Promise<void> {
  const { store } = context;
  const counts = await store.counts(job.id, 60_000);
  const registered = counts.byStatus.registered ?? 0;
  const refused = counts.byStatus.refused ?? 0;
  const done = await store.transition(job.id, ['running'], 'done', undefined, {
    actor: BULK_ACTOR,
    action: 'bulk_job_finished',
    environment: job.environment,
    outcome: `registered:${String(registered)} refused:${String(refused)}`,
    status: 0,
    address: null,
    bulkJob: job.id,
  });
  if (done) await store.deletePhotos(job.id);
}
