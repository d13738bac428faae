import * as z from 'zod/mini';
import { environmentNameSchema } from './console.ts';

/**
 * GET /api/registrations/{env}/{registration_key}/origin: when, and by which account, this console
 * made a registration, read from its audit trail (a `register` that succeeded, with that key, in
 * that environment). Anyone who may look registrations up in the environment may ask; nothing else
 * of the trail is given. 404 `registration_origin_not_found`: the console has no record of making
 * it (made elsewhere: another system, QI Tech's SDK, another console).
 */
export const registrationOriginSchema = z.object({
  environment: environmentNameSchema,
  /** ISO 8601, UTC: when the console's call was answered. */
  registered_at: z.iso.datetime(),
  /** The name of the account that made it. */
  registered_by: z.string(),
});
export type RegistrationOrigin = z.infer<typeof registrationOriginSchema>;

/** The title of the 404 answered when the console did not make the registration. */
export const REGISTRATION_ORIGIN_NOT_FOUND = 'registration_origin_not_found';
