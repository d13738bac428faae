import { OUTCOME_UNKNOWN_TITLES } from '../../../../contract/console.ts';
import type { EnvironmentName } from '../../../../contract/console.ts';
import type { FaceStatus } from '../../../../contract/face-quality.ts';
import type { RegistrationRequest } from '../../../../contract/registration.ts';
import { ApiError } from '../../../api/client.ts';

/**
 * The register page's send protocol, apart from the DOM: what the page shows after each step of a
 * send, and what each event may change. The component runs the side effects (look-up, POST) and
 * dispatches what came of them.
 */

/**
 * A request on its way. `before` is the key the CPF's look-up found before sending (null: none): a
 * send whose answer never came is judged by looking the CPF up again, and a key other than `before`
 * is the new registration. `override` is the status of the console's face check when it refused the
 * picture and the person sends it anyway (null: not refused); it goes with the request, to the audit.
 */
export interface Pending {
  request: RegistrationRequest;
  before: string | null;
  override: FaceStatus | null;
}

export type Phase =
  | { step: 'editing' }
  | { step: 'checking' }
  | ({ step: 'confirm' } & Pending)
  | ({ step: 'sending' } & Pending)
  | ({ step: 'verifying'; error: unknown } & Pending)
  | { step: 'failed'; request: RegistrationRequest | null; error: unknown }
  /** The answer never came, and the look-up shows nothing was created: sending again is safe. */
  | ({ step: 'notCreated'; error: unknown } & Pending)
  /** The answer never came, and the look-up failed too: it may have been created. */
  | ({ step: 'unverified'; error: unknown; lookupError: unknown } & Pending);

/** A registration made: the banner above the fresh form. `env`: where (the selector may have moved since). */
export interface Registered {
  key: string;
  cpf: string;
  at: Date;
  /** Its answer never came; the CPF's look-up found it. */
  late: boolean;
  env: EnvironmentName;
}

export interface DeskState {
  phase: Phase;
  /** The last registration, until the next send starts. Holds no picture. */
  registered: Registered | null;
}

export type DeskEvent =
  /** A validated submit: the CPF is looked up before anything is sent. */
  | { type: 'check' }
  | ({ type: 'confirm' } & Pending)
  | ({ type: 'send' } & Pending)
  | { type: 'registered'; registered: Registered }
  | { type: 'failed'; request: RegistrationRequest | null; error: unknown }
  | ({ type: 'verify'; error: unknown } & Pending)
  | ({ type: 'notCreated'; error: unknown } & Pending)
  | ({ type: 'unverified'; error: unknown; lookupError: unknown } & Pending)
  /** Cancel or Escape on the confirmation, or "choose another picture" after a refusal. */
  | { type: 'back' }
  /** The CPF, the consent, the source or the image key changed. */
  | { type: 'edited' }
  /** Another picture was taken, chosen or cropped. */
  | { type: 'pictureChanged' }
  /** The banner of the last registration closed. */
  | { type: 'dismiss' };

export const initialDesk: DeskState = { phase: { step: 'editing' }, registered: null };

const pending = ({ request, before, override }: Pending): Pending => ({ request, before, override });

export function deskReducer(state: DeskState, event: DeskEvent): DeskState {
  const { phase } = state;
  switch (event.type) {
    case 'check':
      // A new customer's send: the previous banner goes, so it is never read as this one's result.
      return { phase: { step: 'checking' }, registered: null };
    case 'confirm':
      return { ...state, phase: { step: 'confirm', ...pending(event) } };
    case 'send':
      return { phase: { step: 'sending', ...pending(event) }, registered: null };
    case 'registered':
      // Back to a fresh form: the request (and the picture in it) is not kept.
      return { phase: { step: 'editing' }, registered: event.registered };
    case 'failed':
      return { ...state, phase: { step: 'failed', request: event.request, error: event.error } };
    case 'verify':
      return { ...state, phase: { step: 'verifying', ...pending(event), error: event.error } };
    case 'notCreated':
      return { ...state, phase: { step: 'notCreated', ...pending(event), error: event.error } };
    case 'unverified':
      return { ...state, phase: { step: 'unverified', ...pending(event), error: event.error, lookupError: event.lookupError } };
    case 'back':
      return phase.step === 'confirm' || phase.step === 'failed' ? { ...state, phase: { step: 'editing' } } : state;
    case 'edited':
      // What is sent must be what is on screen: an edit drops a request a confirmation or a
      // "send again" holds, and the next submit checks and asks again.
      return phase.step === 'confirm' || phase.step === 'notCreated' ? { ...state, phase: { step: 'editing' } } : state;
    case 'pictureChanged':
      // A request kept for sending again would carry the previous picture.
      return phase.step === 'confirm' || phase.step === 'failed' || phase.step === 'notCreated' || phase.step === 'unverified'
        ? { ...state, phase: { step: 'editing' } }
        : state;
    case 'dismiss':
      return { ...state, registered: null };
  }
}

/** The steps during which the form is locked and progress is shown. */
export function busyStep(phase: Phase): 'checking' | 'sending' | 'verifying' | undefined {
  return phase.step === 'checking' || phase.step === 'sending' || phase.step === 'verifying' ? phase.step : undefined;
}

/**
 * Whether a send waits for a confirmation: a CPF already registered (a second registration
 * replaces what its look-up shows), or a picture the console's check refused where no "send
 * anyway" box was the confirmation (production). Production by itself asks nothing more: its
 * button already says "Cadastrar <CPF> em PRODUÇÃO".
 */
export function needsConfirmation({
  before,
  override,
  synthetic,
}: {
  before: string | null;
  override: FaceStatus | null;
  synthetic: boolean;
}) {
  return before !== null || (override !== null && !synthetic);
}

/**
 * A send that may have been carried out although no answer came back: the upstream timed out or
 * its connection was cut, the console server itself could not be reached mid-request, or the
 * upstream answered success (2xx) with something the console could not read.
 */
export function outcomeUnknown(error: unknown): boolean {
  const unreadableSuccess = (e: ApiError) => e.title === 'bad_upstream_answer' && Math.floor((e.upstreamStatus ?? 0) / 100) === 2;
  return (
    error instanceof ApiError &&
    (error.status === 0 || OUTCOME_UNKNOWN_TITLES.some((title) => title === error.title) || unreadableSuccess(error))
  );
}

/** The API's refusals of the picture itself, or of the key that names it: the same bytes or key would be refused again. */
const PICTURE_REFUSALS: readonly string[] = [
  'image_quality',
  'invalid_image',
  'unsupported_image_format',
  'image_too_small',
  'image_too_large',
  'payload_too_large',
  'image_key_not_found',
  'invalid_image_key',
];

export function pictureRefused(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && PICTURE_REFUSALS.includes(error.title);
}
