import type { FastifyPluginCallback } from 'fastify';
import type { EmulatorAccess } from '../../contract/access-admin.ts';
import { requireAdmin } from '../access/guard.ts';
import type { AccessGuard } from '../access/guard.ts';
import { Problem, methodNotAllowed } from '../lib/problem.ts';

export interface EmulatorAdminOptions {
  guard: AccessGuard;
  /** The console's emulator (its path and key); undefined with LOCAL_EMULATOR=off. */
  emulator: { baseUrl: string; apiKey: string } | undefined;
}

/**
 * /api/admin/emulator: the built-in emulator's key, for admins to hand to QA who call the emulator
 * directly. Each reading is written to the audit trail: the key opens the `local` data.
 */
export const emulatorAdminRoutes: FastifyPluginCallback<EmulatorAdminOptions> = (app, { guard, emulator }, done) => {
  app.get('/admin/emulator', async (request): Promise<EmulatorAccess> => {
    await requireAdmin(guard, request, 'accounts');
    if (emulator === undefined) {
      await guard.audit(request, { action: 'emulator_key_read', outcome: 'emulator_off', status: 404 });
      throw new Problem(404, 'emulator_off', 'The built-in emulator is off on this console (LOCAL_EMULATOR=off): there is no key to show.');
    }
    await guard.audit(request, { action: 'emulator_key_read', environment: 'local', outcome: 'ok', status: 200 });
    return { base_url: emulator.baseUrl, api_key: emulator.apiKey };
  });
  methodNotAllowed(app, '/admin/emulator', ['GET']);
  done();
};
