import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link } from 'wouter';
import { BULK_PATHS } from '../../../../contract/bulk.ts';
import type { BulkJob, BulkJobStatus } from '../../../../contract/bulk.ts';
import { ApiError } from '../../../api/client.ts';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { pathFor, useEnvironment } from '../../../lib/environment.tsx';
import { formatDateTime, useTranslation } from '../../../lib/i18n/i18n.ts';
import { bulkQueries } from '../api/bulk.ts';
import { pausedWhileChecking } from '../lib/job-state.ts';
import { RunControls, StartControl } from './job-controls.tsx';
import { ProgressBar } from './progress-bar.tsx';
import { useBulkWords } from './words.ts';

const SENDING: readonly BulkJobStatus[] = ['queued', 'running', 'paused'];
const ENDED: readonly BulkJobStatus[] = ['done', 'cancelled'];

/** Said once to screen readers when the job reaches a milestone while the page is open: the check over, the job ended. */
function useMilestones(job: BulkJob | undefined) {
  const { t } = useTranslation();
  const words = useBulkWords();
  const announce = useAnnounce();
  const seen = useRef<BulkJobStatus | undefined>(undefined);
  const status = job?.status;
  useEffect(() => {
    const before = seen.current;
    seen.current = status;
    if (job === undefined || before === undefined || before === status) return;
    const counts = { registered: words.n(job.counts.registered), refused: words.n(job.counts.refused) };
    // Paused or cancelled while checking: the check is not over.
    if (before === 'checking' && status !== 'paused' && status !== 'cancelled')
      announce(t('bulk.job.checked', { summary: words.summary(job.counts) }));
    else if (status === 'done') announce(t('bulk.job.done', counts));
    else if (status === 'cancelled') announce(t('bulk.job.cancelled', { ...counts, notSent: words.n(job.counts.not_sent) }));
    // Only the status moves the announcements: the counts of the same answer are read with it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status]);
}

function Facts({ job }: { job: BulkJob }) {
  const { t, i18n } = useTranslation();
  const date = (iso: string) => formatDateTime(new Date(iso), i18n.language);
  return (
    <>
      <dl className="bulk-facts">
        <dt>{t('bulk.job.status')}</dt>
        <dd data-testid="job-status">{t(`bulk.status.${job.status}`)}</dd>
        <dt>{t('bulk.job.environment')}</dt>
        <dd>{t(`environments.${job.environment}.name`)}</dd>
      </dl>
      <p className="hint">
        {t('bulk.job.created', { date: date(job.created_at), name: job.created_by })}
        {job.started_at !== null && (
          <>
            <br />
            {t('bulk.job.started', { date: date(job.started_at), name: job.started_by ?? '' })}
          </>
        )}
        {job.finished_at !== null && (
          <>
            <br />
            {t('bulk.job.finished', { date: date(job.finished_at) })}
          </>
        )}
      </p>
    </>
  );
}

/** The check's outcome: the summary sentence, problems by kind, the first problem rows and the whole list as a CSV. */
function CheckSummary({ job }: { job: BulkJob }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  const kinds = words.problemKinds(job);
  return (
    <div className="stack">
      <p className="bulk-summary" data-testid="bulk-summary">
        {words.summary(job.counts)}
      </p>
      {kinds.length > 0 && (
        <section className="stack" aria-labelledby={`problems-${job.id}`}>
          <h3 id={`problems-${job.id}`}>{t('bulk.job.problemsHeading')}</h3>
          <ul className="bulk-problem-kinds">
            {kinds.map(({ problem, count }) => (
              <li key={problem}>
                <strong>{t('bulk.job.problemKind', { name: t(`bulk.problems.${problem}`), lines: words.lines(count) })}</strong>{' '}
                {t(`bulk.fixes.${problem}`)}
              </li>
            ))}
          </ul>
          {job.problem_sample.length > 0 && (
            <div className="table-wrap">
              <table className="audit-table">
                <caption>{t('bulk.job.sampleCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('bulk.job.columns.row')}</th>
                    <th scope="col">{t('bulk.job.columns.cpf')}</th>
                    <th scope="col">{t('bulk.job.columns.file')}</th>
                    <th scope="col">{t('bulk.job.columns.fix')}</th>
                  </tr>
                </thead>
                <tbody>
                  {job.problem_sample.map((row) => (
                    <tr key={row.row}>
                      <td>{words.n(row.row)}</td>
                      <td className="nowrap">{row.cpf_masked ?? <span className="hint">{t('bulk.job.noCpf')}</span>}</td>
                      <td>
                        <code>{row.file}</code>
                      </td>
                      <td>
                        <strong>{t(`bulk.problems.${row.problem}`)}.</strong> {words.fix(row)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {job.problem_sample.length < job.counts.problems && (
            <p className="hint">
              {t('bulk.job.sampleMore', { shown: words.n(job.problem_sample.length), count: words.n(job.counts.problems) })}
            </p>
          )}
          <p>
            {/* Same origin: the session cookie goes along; the file holds masked CPFs only. */}
            <a className="button secondary" href={BULK_PATHS.problemsCsv(job.id)} download>
              {t('bulk.job.problemsCsv')}
            </a>
          </p>
        </section>
      )}
    </div>
  );
}

/** Sending: how far, at what pace, how long still, and why it is paused when the console paused it. */
function Sending({ job }: { job: BulkJob }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  const { counts, rate } = job;
  const answered = counts.registered + counts.refused;
  // `ready` counts every row that passed the check, sent or not: the job's whole sending.
  const total = counts.ready;
  return (
    <div className="stack">
      <ProgressBar
        label={t('bulk.job.progressLabel')}
        value={answered}
        max={total}
        text={t('bulk.job.progress', { done: words.n(answered), total: words.n(total) })}
      />
      {job.status === 'queued' && <p>{t('bulk.job.queued')}</p>}
      {job.status === 'running' && (
        <>
          <p>
            {rate.current_per_second === null
              ? t('bulk.job.rateNone')
              : t('bulk.job.rate', { rate: words.rate(rate.current_per_second), limit: words.rate(rate.limit_per_second) })}
          </p>
          <p>{t('bulk.job.timeLeft', { time: words.timeLeft(job.eta_seconds) })}</p>
        </>
      )}
      {job.status === 'paused' && (
        <div className="alert warning">
          <p>
            {job.pause_reason === null
              ? t('bulk.job.paused')
              : t('bulk.job.pausedByConsole', { reason: words.pauseReason(job.pause_reason) })}
          </p>
        </div>
      )}
      <Counts job={job} />
      <RunControls job={job} />
    </div>
  );
}

function Counts({ job }: { job: BulkJob }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  const { counts } = job;
  const cancelled = job.status === 'cancelled';
  const rows: [string, number][] = [
    [t('bulk.job.counts.registered'), counts.registered],
    [t('bulk.job.counts.refused'), counts.refused],
    // A cancelled job sends nothing more: what it has left are rows sent whose answer is unknown.
    ...(!cancelled ? [[t('bulk.job.counts.remaining'), counts.remaining] as [string, number]] : []),
    ...(cancelled && counts.remaining > 0 ? [[t('bulk.job.counts.unanswered'), counts.remaining] as [string, number]] : []),
    ...(counts.not_sent > 0 ? [[t('bulk.job.counts.notSent'), counts.not_sent] as [string, number]] : []),
    [t('bulk.job.counts.already'), counts.already_registered],
    [t('bulk.job.counts.problems'), counts.problems],
    [t('bulk.job.counts.total'), counts.total],
  ];
  return (
    <dl className="bulk-facts" data-testid="job-counts">
      {rows.map(([label, value]) => (
        <div key={label} className="bulk-fact">
          <dt>{label}</dt>
          <dd>{words.n(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A check the console paused: why, in the reader's words, and the controls to resume or cancel it. */
function CheckPaused({ job }: { job: BulkJob }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  return (
    <div className="stack">
      <div className="alert warning">
        <p>
          {job.pause_reason === null
            ? t('bulk.job.checkPaused')
            : t('bulk.job.checkPausedByConsole', { reason: words.pauseReason(job.pause_reason) })}
        </p>
      </div>
      <RunControls job={job} />
    </div>
  );
}

function JobDetails({ job }: { job: BulkJob }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  const { counts } = job;
  // Paused while checking: the check is not over (no summary yet) and nothing was sent.
  const checkPaused = pausedWhileChecking(job);
  const started = !checkPaused && (job.started_at !== null || SENDING.includes(job.status) || ENDED.includes(job.status));
  return (
    <section aria-labelledby={`job-${job.id}`} className="stack">
      <h2 id={`job-${job.id}`}>{t('bulk.job.heading', { name: job.source_name })}</h2>
      <Facts job={job} />

      {job.status === 'checking' || checkPaused ? (
        <>
          <ProgressBar
            label={t('bulk.job.checkingLabel')}
            value={counts.checked}
            max={counts.total}
            text={t('bulk.job.checking', { checked: words.n(counts.checked), total: words.n(counts.total) })}
          />
          {checkPaused ? <CheckPaused job={job} /> : <p>{t('bulk.job.timeLeft', { time: words.timeLeft(job.eta_seconds) })}</p>}
        </>
      ) : (
        <CheckSummary job={job} />
      )}

      {job.status === 'ready' && <StartControl job={job} />}
      {SENDING.includes(job.status) && !checkPaused && <Sending job={job} />}
      {ENDED.includes(job.status) && (
        <>
          <p className="bulk-outcome" data-testid="job-outcome">
            {job.status === 'done'
              ? t('bulk.job.done', { registered: words.n(counts.registered), refused: words.n(counts.refused) })
              : t('bulk.job.cancelled', {
                  registered: words.n(counts.registered),
                  refused: words.n(counts.refused),
                  notSent: words.n(counts.not_sent),
                })}
          </p>
          {job.status === 'cancelled' && counts.remaining > 0 && (
            <p className="alert warning" data-testid="job-unanswered">
              {counts.remaining === 1 ? t('bulk.job.unansweredOne') : t('bulk.job.unansweredMany', { count: words.n(counts.remaining) })}
            </p>
          )}
          <Counts job={job} />
        </>
      )}
      {started && (
        <p className="stack">
          <a className="button secondary" href={BULK_PATHS.resultsCsv(job.id)} download>
            {t('bulk.job.resultsCsv')}
          </a>
          <span className="hint">{t('bulk.job.resultsHint')}</span>
        </p>
      )}
    </section>
  );
}

/**
 * One job, asked again every 1.5 s while the server works on it (checking, queued, sending) and
 * never otherwise. Opened from the upload, from the recent jobs, or from a bookmark.
 */
export function JobView({ id }: { id: string }) {
  const { t } = useTranslation();
  const environment = useEnvironment();
  const job = useQuery(bulkQueries.job(id));
  useMilestones(job.data);

  return (
    <section aria-labelledby="bulk-heading" className="bulk stack">
      <p>
        <Link href={pathFor('/bulk', job.data?.environment ?? environment.name)}>{t('bulk.job.back')}</Link>
      </p>
      <h1 id="bulk-heading">{t('bulk.heading')}</h1>
      {job.data !== undefined ? (
        <>
          {/* A failed refresh leaves the job as it was last seen, and says so. */}
          {job.isError && <ApiErrorMessage error={job.error} heading={t('bulk.job.failed')} />}
          <JobDetails job={job.data} />
        </>
      ) : job.isError ? (
        job.error instanceof ApiError && job.error.status === 404 ? (
          <div className="alert warning" role="alert">
            <p>{t('bulk.job.notFound')}</p>
          </div>
        ) : (
          <div>
            <ApiErrorMessage error={job.error} heading={t('bulk.job.failed')} />
            <button type="button" className="button" onClick={() => void job.refetch()}>
              {t('app.retry')}
            </button>
          </div>
        )
      ) : (
        <p role="status">{t('bulk.job.loading')}</p>
      )}
    </section>
  );
}
