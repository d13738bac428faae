import { useParams } from 'wouter';
import { useEnvironment } from '../../../lib/environment.tsx';
// This page's words in pt-BR come with it, not with the first page nor with the other pages.
import '../../../lib/i18n/pt-br-bulk.ts';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { BatchPicker } from './batch-picker.tsx';
import { JobView } from './job-view.tsx';
import { RecentJobs } from './recent-jobs.tsx';
import './bulk.css';

/**
 * Bulk registration (issue 16, decision 013): at `/bulk` the batch is picked and uploaded, and
 * the recent jobs listed; at `/bulk/:id` one job, checked and then sent by the console server,
 * followed until it ends (and found again there after the tab was closed).
 */
export default function BulkPage() {
  const { t } = useTranslation();
  const { id } = useParams<{ id?: string }>();
  const environment = useEnvironment();
  if (id !== undefined) return <JobView key={id} id={id} />;
  return (
    <section aria-labelledby="bulk-heading" className="bulk">
      <h1 id="bulk-heading">{t('bulk.heading')}</h1>
      <p className="intro">{t('bulk.intro')}</p>
      <p>{t('bulk.environment', { env: t(`environments.${environment.name}.name`) })}</p>
      <BatchPicker />
      <RecentJobs />
    </section>
  );
}
