import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export type Behaviour = (request: IncomingMessage, response: ServerResponse, seen: RecordedRequest[]) => void;

export interface MisbehavingUpstream {
  /** Base URL, as QITECH_*_URL. */
  url: string;
  /** Every request that arrived, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that plays a broken QI Tech: each test says how it behaves (answers late,
 * 500, invalid JSON, cuts the connection…). It records what arrived, headers included, so tests
 * can check what the console sent, how often, and with which key.
 */
export async function misbehavingUpstream(behaviour: Behaviour): Promise<MisbehavingUpstream> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      behaviour(request, response, requests);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Answers JSON with a status. */
export function answer(status: number, body: unknown, headers: Record<string, string> = {}): Behaviour {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
}

/** Destroys the connection without a byte of answer: as a crashed process or a dropped network. */
export const cutConnection: Behaviour = (request) => {
  request.socket.destroy();
};

/** Never answers (until the test closes the server). */
export const neverAnswer: Behaviour = () => undefined;

/** Answers a raw text as JSON: for answers JSON.stringify could not even make (nested too deep). */
export function answerText(status: number, text: string): Behaviour {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(text);
  };
}

/**
 * Answers with the request's headers in it, the Authorization key among them: as a gateway or a
 * debugging proxy in front of QI Tech might. `body` makes the answer from the headers it received.
 */
export function echoHeaders(status: number, body: (headers: IncomingHttpHeaders) => Record<string, unknown>): Behaviour {
  return (request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body(request.headers)));
  };
}

/** A JSON value nested `depth` objects deep (about 6 bytes a level: 10,000 levels fit the answer-size cap). */
export function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
