import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as text, filled in as it arrives (complete once the gateway has its answer). */
  body: string;
}

export type FakeBehaviour =
  | { kind: 'json'; status?: number; body: unknown; delayMs?: number; headers?: Record<string, string> }
  | { kind: 'text'; status?: number; body: string }
  /**
   * Sends a 200 whose headers announce the whole body, then only its first
   * `bytes` and destroys the socket: an upstream process dying mid-answer.
   */
  | { kind: 'cut'; body: string; bytes: number }
  /** Writes these bytes on the socket instead of an HTTP answer, and closes it: a port that does not speak HTTP. */
  | { kind: 'raw'; bytes: string }
  | { kind: 'reset' }
  | { kind: 'hang' };

/**
 * An upstream under the test's control, on its own loopback port: it records
 * what the gateway sent and answers as told, faults included.
 */
export class FakeUpstream {
  readonly received: ReceivedRequest[] = [];
  /** Requests whose caller hung up before they were answered. */
  abandoned = 0;
  private behaviour: (request: IncomingMessage) => FakeBehaviour = () => ({ kind: 'json', body: {} });
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((request, response) => this.answer(request, response));

  private constructor() {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeUpstream> {
    const fake = new FakeUpstream();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  respond(behaviour: (request: IncomingMessage) => FakeBehaviour): void {
    this.behaviour = behaviour;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    const received = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body: '',
    };
    this.received.push(received);
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      received.body += chunk;
    });
    response.on('close', () => {
      if (!response.writableFinished) {
        this.abandoned += 1;
      }
    });
    const behaviour = this.behaviour(request);
    switch (behaviour.kind) {
      case 'json': {
        const send = (): void => {
          response.writeHead(behaviour.status ?? 200, {
            ...behaviour.headers,
            'content-type': 'application/json',
          });
          response.end(JSON.stringify(behaviour.body));
        };
        if (behaviour.delayMs === undefined) {
          send();
        } else {
          // A caller that hung up (an aborted hedge, a passed deadline) gets nothing written to its dead socket.
          const timer = setTimeout(send, behaviour.delayMs);
          response.on('close', () => clearTimeout(timer));
        }
        return;
      }
      case 'text':
        response.writeHead(behaviour.status ?? 200, { 'content-type': 'application/json' });
        response.end(behaviour.body);
        return;
      case 'cut':
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(behaviour.body),
        });
        // Flushed on its own so the gateway has the headers and a partial body before the socket dies.
        response.write(behaviour.body.slice(0, behaviour.bytes), () => request.socket.destroy());
        return;
      case 'raw':
        request.socket.end(behaviour.bytes);
        return;
      case 'reset':
        request.socket.destroy();
        return;
      case 'hang':
        return;
    }
  }
}
