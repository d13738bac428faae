import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { Link } from 'wouter';
import type { BulkJob } from '../../../../contract/bulk.ts';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { pathFor } from '../../../lib/environment.tsx';
import { formatDateTime, useTranslation } from '../../../lib/i18n/i18n.ts';
import { bulkQueries } from '../api/bulk.ts';
import { pausedWhileChecking } from '../lib/job-state.ts';
import { useBulkWords } from './words.ts';

function CountsCell({ job }: { job: BulkJob }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  const { counts } = job;
  if (job.status === 'checking' || pausedWhileChecking(job))
    return <>{t('bulk.job.checking', { checked: words.n(counts.checked), total: words.n(counts.total) })}</>;
  if (job.started_at === null && job.status === 'ready')
    return <>{t('bulk.recent.counts', { total: words.n(counts.total), summary: words.summary(counts) })}</>;
  return (
    <>
      {t('bulk.recent.sent', {
        registered: words.n(counts.registered),
        refused: words.n(counts.refused),
        total: words.n(counts.ready),
      })}
    </>
  );
}

/**
 * The latest jobs of the environments the account may use, each a link to its page: a job sends
 * on the server after its tab is closed, and is found again here.
 */
export function RecentJobs() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const jobs = useQuery(bulkQueries.list());
  return (
    <section aria-labelledby={`${id}-heading`} className="stack bulk-recent">
      <h2 id={`${id}-heading`}>{t('bulk.recent.heading')}</h2>
      <p className="hint">{t('bulk.recent.intro')}</p>
      {jobs.data !== undefined ? (
        jobs.data.jobs.length === 0 ? (
          <p data-testid="recent-empty">{t('bulk.recent.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table className="audit-table">
              <caption>{t('bulk.recent.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('bulk.recent.columns.name')}</th>
                  <th scope="col">{t('bulk.recent.columns.status')}</th>
                  <th scope="col">{t('bulk.recent.columns.environment')}</th>
                  <th scope="col">{t('bulk.recent.columns.created')}</th>
                  <th scope="col">{t('bulk.recent.columns.counts')}</th>
                </tr>
              </thead>
              <tbody>
                {jobs.data.jobs.map((job) => (
                  <tr key={job.id}>
                    <td>
                      {/* In the job's own environment: the banner then says where it sends. */}
                      <Link href={pathFor(`/bulk/${job.id}`, job.environment)}>{job.source_name}</Link>
                    </td>
                    <td>{t(`bulk.status.${job.status}`)}</td>
                    <td>{t(`environments.${job.environment}.name`)}</td>
                    <td className="nowrap">{formatDateTime(new Date(job.created_at), i18n.language)}</td>
                    <td>
                      <CountsCell job={job} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : jobs.isError ? (
        <ApiErrorMessage error={jobs.error} heading={t('bulk.recent.failed')} />
      ) : (
        <p role="status">{t('bulk.recent.loading')}</p>
      )}
    </section>
  );
}
