import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState } from 'react';
import type { DragEvent } from 'react';
import { useLocation } from 'wouter';
import { useAnnounce } from '../../../components/ui/announcer.tsx';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { pathFor, useEnvironment } from '../../../lib/environment.tsx';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { bulkQueries } from '../api/bulk.ts';
import { createJob, isAbort } from '../api/upload.ts';
import type { UploadProgress } from '../api/upload.ts';
import { makeBatch, pickedFromDrop, pickedFromInput } from '../lib/batch.ts';
import type { Batch, BatchProblem, PickedFile } from '../lib/batch.ts';
import { ProgressBar } from './progress-bar.tsx';
import { useBulkWords } from './words.ts';

/** The sentence for a batch refused before any upload. */
function useProblemText(): (problem: BatchProblem) => string {
  const { t } = useTranslation();
  const words = useBulkWords();
  return (problem) => {
    switch (problem.kind) {
      case 'manyCsv':
        return t('bulk.pick.errors.manyCsv', { names: problem.names.join(', ') });
      case 'photoTooLarge':
        return t('bulk.pick.errors.photoTooLarge', { name: problem.name, size: words.size(problem.size) });
      case 'csvTooLarge':
      case 'tooLarge':
        return t(`bulk.pick.errors.${problem.kind}`, { size: words.size(problem.size) });
      default:
        return t(`bulk.pick.errors.${problem.kind}`);
    }
  };
}

/** What was picked, as the person will recognise it, before anything is sent. */
function BatchSummary({ batch }: { batch: Batch }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  return (
    <ul className="bulk-picked" data-testid="batch-summary">
      {batch.kind === 'zip' ? (
        <li>{t('bulk.pick.zipFile', { name: batch.zip.name })}</li>
      ) : (
        <>
          <li>{t('bulk.pick.csvFile', { name: batch.csv.name })}</li>
          <li>
            {batch.photos.length === 1 ? t('bulk.pick.photosOne') : t('bulk.pick.photosMany', { count: words.n(batch.photos.length) })}
          </li>
          {batch.skipped.length > 0 && (
            <li>{t('bulk.pick.skipped', { count: words.n(batch.skipped.length), names: batch.skipped.join(', ') })}</li>
          )}
        </>
      )}
      <li>{t('bulk.pick.size', { size: words.size(batch.size) })}</li>
    </ul>
  );
}

/**
 * The batch: dropped (files, or a whole folder), or chosen as one ZIP, as the CSV and its photos,
 * or as a folder; shown, then uploaded in one request with its progress, which may be cancelled.
 * What was picked stays until another batch is picked: a refused or cut upload is sent again
 * with one click. On success the job's own page opens.
 */
export function BatchPicker() {
  const { t } = useTranslation();
  const id = useId();
  const env = useEnvironment().name;
  const words = useBulkWords();
  const problemText = useProblemText();
  const announce = useAnnounce();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [batch, setBatch] = useState<Batch | null>(null);
  const [problem, setProblem] = useState<BatchProblem | null>(null);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const anyInput = useRef<HTMLInputElement>(null);
  const controller = useRef<AbortController | null>(null);
  const upload = useMutation({
    ...createJob(env),
    onSuccess: (job) => {
      queryClient.setQueryData(bulkQueries.job(job.id).queryKey, job);
      void queryClient.invalidateQueries({ queryKey: bulkQueries.list().queryKey });
      announce(t('bulk.upload.received'));
      navigate(pathFor(`/bulk/${job.id}`, job.environment));
    },
  });
  const uploading = upload.isPending;

  const take = (picked: PickedFile[]) => {
    const made = makeBatch(picked);
    upload.reset();
    if ('batch' in made) {
      setBatch(made.batch);
      setProblem(null);
    } else {
      setBatch(null);
      setProblem(made.problem);
      announce(problemText(made.problem));
    }
  };

  const drop = async (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (uploading) return;
    try {
      take(await pickedFromDrop(event.dataTransfer));
    } catch {
      setBatch(null);
      setProblem({ kind: 'folder' });
      announce(t('bulk.pick.errors.folder'));
    }
  };

  const send = () => {
    if (batch === null) return;
    const abort = new AbortController();
    controller.current = abort;
    setProgress({ sent: 0, total: batch.size });
    upload.mutate({ batch, onProgress: setProgress, signal: abort.signal });
  };

  const input = (kind: 'zip' | 'files' | 'folder', accept: string | undefined) => (
    <>
      <input
        id={`${id}-${kind}`}
        className="visually-hidden-input"
        type="file"
        accept={accept}
        multiple={kind !== 'zip'}
        disabled={uploading}
        aria-describedby={`${id}-what ${id}-csv`}
        // Not a React prop: the folder picker, in every browser the console supports.
        ref={kind === 'folder' ? (element) => element?.setAttribute('webkitdirectory', '') : undefined}
        onChange={(event) => {
          take(pickedFromInput(event.target.files));
          // The same files chosen again (after a fix on disk) must be read again.
          event.target.value = '';
        }}
      />
      <label htmlFor={`${id}-${kind}`} className="button secondary">
        {t(`bulk.pick.${kind}`)}
      </label>
    </>
  );

  const percent = progress === null || progress.total === 0 ? 0 : Math.floor((progress.sent / progress.total) * 100);

  return (
    <section aria-labelledby={`${id}-heading`} className="stack">
      <h2 id={`${id}-heading`}>{t('bulk.pick.heading')}</h2>
      <div
        className={`dropzone bulk-dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={(event) => {
          // Leaving for one of its own children is not leaving.
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={(event) => void drop(event)}
        data-testid="bulk-dropzone"
      >
        <button type="button" className="bulk-drop-target" disabled={uploading} onClick={() => anyInput.current?.click()}>
          {t('bulk.pick.target')}
        </button>
        <input
          ref={anyInput}
          type="file"
          multiple
          hidden
          tabIndex={-1}
          aria-label={t('bulk.pick.targetLabel')}
          onChange={(event) => {
            take(pickedFromInput(event.target.files));
            event.target.value = '';
          }}
        />
        <div className="bulk-pickers">
          {input('zip', '.zip,application/zip')}
          {input('files', '.csv,text/csv,image/*')}
          {input('folder', undefined)}
        </div>
        <p id={`${id}-what`} className="hint">
          {t('bulk.pick.what')}
        </p>
        <p id={`${id}-csv`} className="hint">
          {t('bulk.pick.csv')}
        </p>
      </div>

      {problem !== null && (
        <p className="field-error" role="alert">
          {problemText(problem)}
        </p>
      )}

      {batch !== null && (
        <div className="card stack" aria-labelledby={`${id}-picked`} role="group">
          <h3 id={`${id}-picked`}>{t('bulk.pick.picked')}</h3>
          <BatchSummary batch={batch} />
          {uploading && progress !== null && (
            <>
              <ProgressBar
                label={t('bulk.upload.label')}
                value={progress.sent}
                max={progress.total}
                text={
                  progress.sent >= progress.total && progress.total > 0
                    ? t('bulk.upload.waiting')
                    : t('bulk.upload.progress', { percent, sent: words.size(progress.sent), total: words.size(progress.total) })
                }
              />
              <p>
                <button type="button" className="button secondary" onClick={() => controller.current?.abort()}>
                  {t('bulk.upload.cancel')}
                </button>
              </p>
            </>
          )}
          {upload.isError &&
            (isAbort(upload.error) ? (
              <p role="status">{t('bulk.upload.cancelled')}</p>
            ) : (
              <div>
                <ApiErrorMessage error={upload.error} heading={t('bulk.upload.failed')} />
                <p className="hint">{t('bulk.upload.kept')}</p>
              </div>
            ))}
          {!uploading && (
            <div className="actions">
              <button type="button" className="button primary" onClick={send}>
                {t('bulk.pick.verify')}
              </button>
              <button
                type="button"
                className="button secondary"
                onClick={() => {
                  setBatch(null);
                  upload.reset();
                }}
              >
                {t('bulk.pick.clear')}
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
