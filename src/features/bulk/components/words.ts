import { BULK_PROBLEMS } from '../../../../contract/bulk.ts';
import type { BulkCounts, BulkJob, BulkProblemRow } from '../../../../contract/bulk.ts';
import { FACE_STATUSES } from '../../../../contract/face-quality.ts';
import { formatBytes, useTranslation } from '../../../lib/i18n/i18n.ts';

/**
 * The bulk page's numbers and sentences in the reader's language: counts as people read them
 * (`1.240` in pt-BR), time left in words, each problem's name and what to fix.
 */
export function useBulkWords() {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const number = new Intl.NumberFormat(language);
  const decimal = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
  const n = (value: number) => number.format(value);

  const summary = (counts: BulkCounts) =>
    [
      t(counts.ready === 1 ? 'bulk.summary.readyOne' : 'bulk.summary.readyMany', { count: n(counts.ready) }),
      t('bulk.summary.problems', { count: n(counts.problems) }),
      t(counts.already_registered === 1 ? 'bulk.summary.alreadyOne' : 'bulk.summary.alreadyMany', {
        count: n(counts.already_registered),
      }),
    ].join(', ');

  const timeLeft = (seconds: number | null) => {
    if (seconds === null) return t('bulk.time.unknown');
    if (seconds < 60) return t('bulk.time.lessThanMinute');
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return t('bulk.time.minutes', { minutes: n(minutes) });
    return t('bulk.time.hours', { hours: n(Math.floor(minutes / 60)), minutes: String(minutes % 60).padStart(2, '0') });
  };

  /** What to fix in a problem row: for a face the check refused, its reason in the desk's own words. */
  const fix = (row: Pick<BulkProblemRow, 'problem' | 'image_status'>) => {
    const status = FACE_STATUSES.find((known) => known === row.image_status);
    if (row.problem === 'image_quality' && status !== undefined) {
      // The same words the desk shows for a chosen photo (src/lib/i18n), shared through the dictionary.
      const reason = t(status === 'no_face' ? 'register.check.noFaceInPhoto' : `register.webcam.guidance.${status}`);
      return t('bulk.fixes.image_qualityReason', { reason });
    }
    return t(`bulk.fixes.${row.problem}`);
  };

  /** Why the console paused a job: in the reader's words when the console knows the reason, else the server's sentence. */
  const pauseReason = ({ title, description }: NonNullable<BulkJob['pause_reason']>) => {
    const key = `bulk.pauseReasons.${title}`;
    return i18n.exists(key) ? t(key as 'bulk.pauseReasons.upstream_unreachable') : description;
  };

  return {
    n,
    size: (bytes: number) => formatBytes(bytes, language),
    rate: (perSecond: number) => decimal.format(perSecond),
    summary,
    timeLeft,
    fix,
    pauseReason,
    lines: (count: number) => (count === 1 ? t('bulk.linesOne') : t('bulk.linesMany', { count: n(count) })),
    /** Problems by kind, in the contract's order, the absent ones left out. */
    problemKinds: (job: BulkJob) =>
      BULK_PROBLEMS.map((problem) => ({ problem, count: job.problem_counts[problem] ?? 0 })).filter((kind) => kind.count > 0),
  };
}
