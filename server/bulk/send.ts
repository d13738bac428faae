import type { NewAuditEntry } from '../access/store.ts';
import { lookUpCpf, register } from './calls.ts';
import type { Undecided } from './calls.ts';
import type { SendOutcome, StoredJob, StoredRow } from './store.ts';
import { BULK_ACTOR, pauseJob, statusReader } from './work.ts';
import type { WorkContext } from './work.ts';

/*
 * The sending of a `running` job (decision 013). A row is `sending` (committed) before its call;
 * its answer and its audit entry are written together. A row left `sending` (a lost answer, a 5xx,
 * the process stopped mid-call) is looked up by CPF before it is ever sent again: found, it is
 * registered with that key; not found, it is ready again. Paced by the environment's Pacer; a
 * person's pause or cancel stops new calls within a second, and the calls in flight finish and
 * are recorded.
 */

const READY_BATCH = 50;
/** The environment unreachable this long pauses the job for an administrator. */
const UNREACHABLE_PAUSE_MS = 60_000;
/** Waits after undecided answers that are no 429/503 (a 500, a timeout): doubling up to this. */
const MAX_HOLD_MS = 30_000;

type Ready = StoredRow & { photo: Buffer };

export async function sendJob(context: WorkContext, job: StoredJob): Promise<void> {
  const { store, environment, pacer, clock } = context;
  const status = statusReader(store, job.id, clock);
  const lookups: StoredRow[] = await store.sendingRows(job.id);
  const inFlight = new Set<Promise<void>>();
  let ready: Ready[] = [];
  let unreachableSince: number | undefined;
  let failures = 0;
  let stop = false;
  // A function: the flag changes in the calls' callbacks, which the loop's narrowing does not see.
  const stopped = () => stop || context.signal.aborted;

  const audit = (row: StoredRow, outcome: string, httpStatus: number, registrationKey: string | null): NewAuditEntry => ({
    actor: job.startedBy,
    action: 'register',
    environment: job.environment,
    cpf: row.cpf,
    registrationKey,
    consentTerm: row.consentTermVersion,
    outcome,
    status: httpStatus,
    address: null,
    bulkJob: job.id,
  });

  const record = async (row: StoredRow, outcome: SendOutcome) => {
    const registered = outcome.status === 'registered';
    await store.recordSend(
      job.id,
      row.row,
      outcome,
      audit(row, registered ? 'ok' : outcome.refusalTitle, outcome.httpStatus, registered ? outcome.registrationKey : null),
    );
  };

  /** What an undecided answer does to the pace and the job; the row itself is left as the caller says. */
  const undecided = async (result: Undecided, row: StoredRow) => {
    context.log.warn(
      { bulkJob: job.id, row: row.row, environment: environment.name, reason: result.reason },
      'bulk send: the answer decided nothing',
    );
    if (result.keyRefused) {
      stop = true;
      await pauseJob(store, job, {
        title: 'upstream_key_refused',
        description: `The ${environment.name} face recognition service refused this console's API key (${result.reason}). The console's administrator must check ${environment.settings.key}, then resume the job.`,
      });
      return;
    }
    if (result.slowDown) pacer.slowDown(result.retryAfter);
    else if (!result.notProcessed) {
      failures += 1;
      pacer.hold(Math.min(1000 * 2 ** (failures - 1), MAX_HOLD_MS));
    }
    if (result.unreachable) {
      unreachableSince ??= clock.now();
      if (clock.now() - unreachableSince >= UNREACHABLE_PAUSE_MS) {
        stop = true;
        const where = environment.settings.url === undefined ? 'the network' : `the network and ${environment.settings.url}`;
        await pauseJob(store, job, {
          title: 'upstream_unreachable',
          description: `The ${environment.name} face recognition service could not be reached for over a minute. The console's administrator should check ${where}, then resume the job.`,
        });
      }
    } else unreachableSince = undefined;
  };

  const decided = () => {
    failures = 0;
    unreachableSince = undefined;
    pacer.succeeded();
  };

  /** A row left `sending`: registered if its CPF has a registration now, else ready again. */
  const resolve = async (row: StoredRow) => {
    const found = await lookUpCpf(environment, row.cpf);
    if (found.kind === 'found') {
      decided();
      await record(row, { status: 'registered', registrationKey: found.registrationKey, httpStatus: 200, similarFaces: null });
    } else if (found.kind === 'not_found') {
      decided();
      await store.markReady(job.id, row.row);
    } else {
      await undecided(found, row);
      lookups.push(row);
    }
  };

  const send = async (row: Ready) => {
    const result = await register(environment, row.cpf, row.photo);
    if (result.kind === 'registered' || result.kind === 'refused') {
      decided();
      await record(
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
