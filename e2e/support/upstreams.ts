/** The console's port in the end-to-end tests (E2E_PORT to move it, and the stand-ins with it). */
export const port = Number(process.env.E2E_PORT ?? 8180);

/**
 * QI Tech's stand-ins for the sandbox and production environments: an emulator each, in its own
 * process, with its own key and data, reached by the console over HTTP as QI Tech would be. The
 * sandbox is reached through a fault proxy (fault-proxy.ts) that tests arm to make a registration
 * answer too late or get lost. Ports follow E2E_PORT: +1 sandbox, +2 production, +3 the proxy.
 */
export const upstreams = {
  sandbox: { port: port + 1, key: 'e2e-sandbox-key' },
  production: { port: port + 2, key: 'e2e-production-key' },
  proxy: { port: port + 3 },
  /** The console's upstream timeout, and how late the proxy answers when armed (beyond it). */
  timeoutMs: 3_000,
  faultDelayMs: 4_000,
} as const;

/**
 * Has a stand-in judge one picture (POST /face_recognition/image, straight to its emulator): its
 * first picture starts its detection threads and loads their models, which on a slow machine can
 * take longer than the console's upstream timeout. A test whose timing rests on a registration
 * being created within that timeout warms it first.
 */
export async function warmUp(environment: 'sandbox' | 'production', picture: Buffer): Promise<void> {
  const { port: upstreamPort, key } = upstreams[environment];
  const response = await fetch(`http://127.0.0.1:${String(upstreamPort)}/face_recognition/image`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: key },
    body: JSON.stringify({ image: picture.toString('base64') }),
  });
  if (response.status !== 201) throw new Error(`the ${environment} emulator answered ${String(response.status)}: ${await response.text()}`);
}

/** Arms the fault proxy: the next registration of `cpf` in the sandbox answers too late, or is lost. */
export async function armFault(cpf: string, fault: 'late' | 'drop'): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${String(upstreams.proxy.port)}/__faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ document_number: cpf, fault }),
  });
  if (response.status !== 204) throw new Error(`fault proxy answered ${String(response.status)}`);
}
