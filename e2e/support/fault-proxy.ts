// A loopback proxy in front of an emulator that plays a QI Tech whose network misbehaves, for the
// end-to-end tests of what staff see when a registration times out. It forwards every request
// as it is (the Authorization key included) unless a fault was armed for the registration's CPF:
//
//   POST /__faults {"document_number": "529.982.247-25", "fault": "late" | "drop"}
//
// arms one fault for the next POST /face_recognition/registration of that CPF (keyed by CPF so
// tests never disturb each other):
// - late: the registration is forwarded and created, but answered only after FAULT_DELAY_MS,
//   when the console has already given up (QITECH_TIMEOUT_MS lower): "QI Tech was slow".
// - drop: nothing is forwarded; the connection is cut after FAULT_DELAY_MS: "the request was lost".
//
// Run as a process: FAULT_PROXY_PORT, FAULT_PROXY_TARGET (the emulator's base URL), FAULT_DELAY_MS.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Fault = 'late' | 'drop';

const port = Number(process.env.FAULT_PROXY_PORT ?? 8183);
const target = process.env.FAULT_PROXY_TARGET ?? 'http://127.0.0.1:8181';
const delayMs = Number(process.env.FAULT_DELAY_MS ?? 4_000);
const armed = new Map<string, Fault>();

const digits = (cpf: unknown) => (typeof cpf === 'string' ? cpf.replace(/\D/g, '') : '');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function documentOf(body: Buffer): string {
  try {
    return digits((JSON.parse(body.toString('utf8')) as { document_number?: unknown }).document_number);
  } catch {
    return '';
  }
}

async function forward(request: IncomingMessage, body: Buffer) {
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'content-type', 'accept']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const answer = await fetch(`${target}${request.url ?? '/'}`, {
    method: request.method ?? 'GET',
    headers,
    ...(body.length > 0 ? { body } : {}),
  });
  return { status: answer.status, type: answer.headers.get('content-type') ?? 'application/json', body: await answer.text() };
}

async function handle(request: IncomingMessage, response: ServerResponse) {
  const body = await readBody(request);
  if (request.method === 'POST' && request.url === '/__faults') {
    const { document_number: cpf, fault } = JSON.parse(body.toString('utf8')) as { document_number: string; fault: Fault };
    armed.set(digits(cpf), fault);
    response.writeHead(204).end();
    return;
  }
  const cpf = request.method === 'POST' && request.url?.endsWith('/face_recognition/registration') ? documentOf(body) : '';
  const fault = armed.get(cpf);
  if (fault !== undefined) armed.delete(cpf);
  const started = Date.now();
  if (fault === 'drop') {
    await sleep(delayMs);
    request.socket.destroy();
    return;
  }
  const answer = await forward(request, body);
  if (fault === 'late') await sleep(delayMs - (Date.now() - started));
  if (!response.destroyed) response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
}

createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    console.error(error);
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' }).end('fault proxy: target unreachable');
  });
}).listen(port, '127.0.0.1', () => {
  console.log(`fault proxy on http://127.0.0.1:${String(port)} → ${target}`);
});
