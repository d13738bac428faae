import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import type { BulkJob } from '../../../../contract/bulk.ts';
import { ApiError } from '../../../api/client.ts';
import { sessionQueries } from '../../../api/session.ts';
import { ApiErrorMessage } from '../../../components/ui/api-error-message.tsx';
import { Field } from '../../../components/ui/field.tsx';
import { useTranslation } from '../../../lib/i18n/i18n.ts';
import { actOnJob, bulkQueries, startJob } from '../api/bulk.ts';
import { useBulkWords } from './words.ts';

/** A refusal that says the job changed meanwhile: the page shows it as it is now. */
const staleJob = (error: unknown) => error instanceof ApiError && error.status === 409;

/** The mutation's answer is the job as it is now: the page shows it at once, and asks again when refused for a stale view. */
function useJobUpdate(id: string) {
  const queryClient = useQueryClient();
  return {
    onSuccess: (job: BulkJob) => {
      queryClient.setQueryData(bulkQueries.job(id).queryKey, job);
      void queryClient.invalidateQueries({ queryKey: bulkQueries.list().queryKey });
    },
    onError: (error: unknown) => {
      if (staleJob(error)) void queryClient.invalidateQueries({ queryKey: bulkQueries.job(id).queryKey });
    },
  };
}

/**
 * Production: an administrator confirms by typing the count of rows to send (the server checks it
 * too). Named in the dialog: the count and the environment.
 */
function ConfirmProduction({ job, onConfirm, onCancel }: { job: BulkJob; onConfirm: (count: number) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  const id = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const digits = typed.replace(/\D/g, '');
  const matches = digits !== '' && Number(digits) === job.counts.ready;
  const count = words.n(job.counts.ready);

  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  return (
    <dialog
      ref={dialog}
      className="dialog bulk-confirm"
      aria-labelledby={`${id}-heading`}
      aria-describedby={`${id}-body`}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <form
        className="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (matches) onConfirm(Number(digits));
        }}
      >
        <h2 id={`${id}-heading`}>{t('bulk.job.confirm.heading')}</h2>
        <p id={`${id}-body`}>{t('bulk.job.confirm.body', { count, env: t(`environments.${job.environment}.name`) })}</p>
        <Field
          id={`${id}-count`}
          label={t('bulk.job.confirm.label')}
          hint={t('bulk.job.confirm.type', { count })}
          error={digits !== '' && !matches ? t('bulk.job.confirm.wrong', { count }) : undefined}
        >
          {(control) => (
            <input
              {...control}
              className="narrow"
              inputMode="numeric"
              autoComplete="off"
              autoFocus
              value={typed}
              onChange={(event) => setTyped(event.target.value)}
            />
          )}
        </Field>
        <div className="actions">
          <button type="submit" className="button primary danger" disabled={!matches}>
            {t('bulk.job.confirm.submit')}
          </button>
          <button type="button" className="button secondary" onClick={onCancel}>
            {t('bulk.job.confirm.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/**
 * Starting a checked job: a button that names the count of rows it sends. In production only an
 * administrator may, after typing the count; anyone else is told who must. No ready row: no
 * button, and why.
 */
export function StartControl({ job }: { job: BulkJob }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  const account = useQuery(sessionQueries.current()).data?.account;
  const [confirming, setConfirming] = useState(false);
  const start = useMutation({ ...startJob(job.id), ...useJobUpdate(job.id) });
  const button = useRef<HTMLButtonElement>(null);
  const ready = job.counts.ready;

  if (ready === 0) return <p className="alert warning">{t('bulk.job.nothingReady')}</p>;
  if (job.needs_admin_confirmation && account?.role !== 'admin') {
    return (
      <div className="alert production" role="note">
        <p>{t('bulk.job.needsAdmin')}</p>
      </div>
    );
  }

  const label = job.needs_admin_confirmation
    ? t('bulk.job.startProduction', { count: words.n(ready) })
    : ready === 1
      ? t('bulk.job.startOne')
      : t('bulk.job.start', { count: words.n(ready) });

  return (
    <div className="stack">
      <p className="hint">{t('bulk.job.startHint')}</p>
      <p>
        <button
          ref={button}
          type="button"
          className={job.needs_admin_confirmation ? 'button primary danger' : 'button primary'}
          disabled={start.isPending}
          onClick={() => {
            if (job.needs_admin_confirmation) setConfirming(true);
            else start.mutate({ count: ready });
          }}
        >
          {start.isPending ? t('bulk.job.starting') : label}
        </button>
      </p>
      {start.isError && <ApiErrorMessage error={start.error} heading={t('bulk.job.actionFailed')} />}
      {confirming && (
        <ConfirmProduction
          job={job}
          onConfirm={(count) => {
            setConfirming(false);
            start.mutate({ count });
          }}
          onCancel={() => {
            setConfirming(false);
            button.current?.focus();
          }}
        />
      )}
    </div>
  );
}

/** Pause, resume and cancel a job that is queued, sending or paused (while sending or checking); cancelling asks first. */
export function RunControls({ job }: { job: BulkJob }) {
  const { t } = useTranslation();
  const words = useBulkWords();
  const id = useId();
  const act = useMutation({ ...actOnJob(job.id), ...useJobUpdate(job.id) });
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const confirmHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (confirmingCancel) confirmHeading.current?.focus();
  }, [confirmingCancel]);

  const back = () => {
    setConfirmingCancel(false);
    cancelButton.current?.focus();
  };

  return (
    <div className="stack">
      <div className="actions">
        {job.status === 'paused' ? (
          <button type="button" className="button primary" disabled={act.isPending} onClick={() => act.mutate('resume')}>
            {t('bulk.job.resume')}
          </button>
        ) : (
          <button type="button" className="button secondary" disabled={act.isPending} onClick={() => act.mutate('pause')}>
            {t('bulk.job.pause')}
          </button>
        )}
        <button
          ref={cancelButton}
          type="button"
          className="button secondary"
          disabled={act.isPending}
          onClick={() => setConfirmingCancel(true)}
        >
          {t('bulk.job.cancel')}
        </button>
      </div>
      {confirmingCancel && (
        <div
          className="alert warning"
          role="alertdialog"
          aria-labelledby={`${id}-cancel`}
          aria-describedby={`${id}-cancel-body`}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              back();
            }
          }}
        >
          <h3 id={`${id}-cancel`} ref={confirmHeading} tabIndex={-1}>
            {t('bulk.job.cancelConfirm.heading')}
          </h3>
          <p id={`${id}-cancel-body`}>
            {/* Rows still to check are not sent either (a job the console paused while checking). */}
            {t('bulk.job.cancelConfirm.body', { count: words.n(job.counts.remaining + job.counts.total - job.counts.checked) })}
          </p>
          <div className="actions">
            <button
              type="button"
              className="button danger"
              onClick={() => {
                setConfirmingCancel(false);
                act.mutate('cancel');
              }}
            >
              {t('bulk.job.cancelConfirm.yes')}
            </button>
            <button type="button" className="button secondary" onClick={back}>
              {t('bulk.job.cancelConfirm.no')}
            </button>
          </div>
        </div>
      )}
      {act.isError && <ApiErrorMessage error={act.error} heading={t('bulk.job.actionFailed')} />}
    </div>
  );
}
