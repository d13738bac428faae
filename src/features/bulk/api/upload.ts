import { mutationOptions } from '@tanstack/react-query';
import { BULK_PATHS, BULK_UPLOAD_FIELDS, bulkJobSchema } from '../../../../contract/bulk.ts';
import type { BulkJob } from '../../../../contract/bulk.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import { errorBodySchema } from '../../../../contract/registration.ts';
import { ApiError } from '../../../api/client.ts';
import type { Batch } from '../lib/batch.ts';

export interface UploadProgress {
  /** Bytes of the request sent so far, and in all (the multipart framing included). */
  sent: number;
  total: number;
}

export interface UploadRequest {
  batch: Batch;
  onProgress: (progress: UploadProgress) => void;
  signal: AbortSignal;
}

/**
 * The upload's one multipart request: the ZIP, or the CSV and then each photo, each photo's part
 * named by its path in the batch (what the CSV's `file` column names).
 */
function batchForm(batch: Batch): FormData {
  const form = new FormData();
  if (batch.kind === 'zip') {
    form.append(BULK_UPLOAD_FIELDS.zip, batch.zip, batch.zip.name);
    return form;
  }
  form.append(BULK_UPLOAD_FIELDS.csv, batch.csv, batch.csv.name);
  for (const photo of batch.photos) form.append(BULK_UPLOAD_FIELDS.photos, photo.file, photo.path);
  return form;
}

/** An answer that is not a job, as src/api/client.ts reads one: the same ApiError, so a 401 opens the login dialog as anywhere. */
function failure(status: number, text: string): ApiError {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    payload = undefined;
  }
  const parsed = errorBodySchema.safeParse(payload);
  if (!parsed.success) {
    return status === 0
      ? new ApiError(0, 'network_error', 'The console server could not be reached. Check the connection and try again.')
      : new ApiError(status, 'unexpected_answer', `The server answered HTTP ${String(status)} without an explanation.`);
  }
  const { title, description, image_status, upstream_status, retry_after_seconds } = parsed.data;
  return new ApiError(status, title, description, {
    ...(image_status === undefined ? {} : { imageStatus: image_status }),
    ...(upstream_status === undefined ? {} : { upstreamStatus: upstream_status }),
    ...(typeof retry_after_seconds === 'number' ? { retryAfterSeconds: retry_after_seconds } : {}),
  });
}

/**
 * POST /api/{env}/bulk/jobs with XMLHttpRequest, the one browser API that reports an upload's
 * progress (fetch does not). Resolves with the job (201, `checking`); rejects with an ApiError
 * as the rest of the API layer does, or with an AbortError when `signal` cancels it. The session
 * cookie goes along (same origin); nothing is kept in the browser's storage.
 */
function uploadBatch(env: EnvironmentName, { batch, onProgress, signal }: UploadRequest): Promise<BulkJob> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', BULK_PATHS.create(env));
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress({ sent: event.loaded, total: event.total });
    };
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(failure(xhr.status, xhr.responseText));
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(xhr.responseText);
      } catch {
        payload = undefined;
      }
      const parsed = bulkJobSchema.safeParse(payload);
      if (parsed.success) resolve(parsed.data);
      else reject(new ApiError(xhr.status, 'unexpected_answer', 'The server answered with data the console does not understand.'));
    };
    // A connection refused or cut: nothing usable came back.
    xhr.onerror = () => reject(failure(0, ''));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(batchForm(batch));
  });
}

export const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError';

export const createJob = (env: EnvironmentName) =>
  mutationOptions({
    mutationKey: ['bulk', 'create', env],
    // The variables hold the photos: nothing keeps them once the call is over (the page keeps the batch for a retry).
    gcTime: 0,
    mutationFn: (request: UploadRequest) => uploadBatch(env, request),
  });
