import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { contractBreaches } from './answer-invariants.js';

/*
 * HTTP/1.1 over a bare TCP socket, for the requests fetch and undici refuse
 * to send: CR or LF inside a header, bytes that are not UTF-8, thousands of
 * headers, a client that sends one byte a second.
 */

export interface RawAnswer {
  status: number;
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  /** The first answer on the connection, or undefined when the server sent none. */
  answer: RawAnswer | undefined;
  /** Every answer on the connection, in order (keep-alive and pipelined requests). */
  answers: RawAnswer[];
  /** Whether the server closed the connection before `waitMs` ran out. */
  closed: boolean;
  /** From the first byte written to the connection's close (or to giving up). */
  elapsedMs: number;
  /** Bytes the client managed to write, its drip included. */
  bytesSent: number;
}

/** Reads the answers out of what a server sent, one after another; each body is taken by Content-Length. */
export function parseRawAnswers(raw: Buffer): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = raw;
  for (let answer = parseRawAnswer(rest); answer !== undefined; answer = parseRawAnswer(rest)) {
    answers.push(answer);
    rest = rest.subarray(answer.length);
  }
  return answers;
}

/** Reads the first answer out of what a server sent; the body is taken by Content-Length. */
export function parseRawAnswer(raw: Buffer): (RawAnswer & { length: number }) | undefined {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) {
    return undefined;
  }
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(' ')[1]);
  // An interim answer (100 Continue) has no body: the final answer follows it.
  const length = status < 200 ? 0 : Number(headers['content-length'] ?? text.length - end - 4);
  const body = raw.subarray(end + 4, end + 4 + length).toString('utf8');
  return { status, headers, body, length: end + 4 + length };
}

export interface RawOptions {
  /** Sent one after another, `dripEveryMs` apart, until the server closes the connection or they run out. */
  drip?: { chunks: (string | Buffer)[]; everyMs: number };
  /** Give up (and close from our side) after this long. */
  waitMs?: number;
}

/** Writes `head` to the server of `baseUrl`, then the drip if any, and reads until the server closes. */
export function rawExchange(
  baseUrl: string,
  head: string | Buffer,
  options: RawOptions = {},
): Promise<RawExchange> {
  const { port, hostname } = new URL(baseUrl);
  const waitMs = options.waitMs ?? 5_000;
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    let bytesSent = 0;
    let drip: NodeJS.Timeout | undefined;
    let startedAt = 0;
    const finish = (closed: boolean): void => {
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      const answers = parseRawAnswers(Buffer.concat(received));
      resolve({
        answer: answers[0],
        answers,
        closed,
        elapsedMs: performance.now() - startedAt,
        bytesSent,
      });
    };
    const giveUp = setTimeout(() => finish(false), waitMs);
    const send = (chunk: string | Buffer): void => {
      if (!socket.destroyed && socket.writable) {
        bytesSent += Buffer.byteLength(chunk);
        socket.write(chunk);
      }
    };
    socket.on('data', (chunk) => received.push(chunk));
    // A reset after the server's answer is still the server closing the connection.
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      startedAt = performance.now();
      send(head);
      const chunks = [...(options.drip?.chunks ?? [])];
      if (options.drip !== undefined && chunks.length > 0) {
        drip = setInterval(() => {
          const next = chunks.shift();
          if (next === undefined) {
            clearInterval(drip);
          } else {
            send(next);
          }
        }, options.drip.everyMs);
      }
    });
  });
}

/** `GET <path>` with the given header lines, closing after the answer. */
export function rawGet(path: string, headerLines: string[] = []): string {
  return [`GET ${path} HTTP/1.1`, 'Host: gateway.test', ...headerLines, 'Connection: close', '', ''].join(
    '\r\n',
  );
}

/** The checks every problem answer must pass, for an answer read off a raw socket; returns the document. */
export function expectRawProblem(answer: RawAnswer | undefined, status: number): Record<string, unknown> {
  expect(answer, 'an answer before the connection closed').toBeDefined();
  const { headers, body } = answer as RawAnswer;
  expect(answer?.status).toBe(status);
  expect(contractBreaches({ status, headers, body }, { method: 'GET', text: '', secrets: [] })).toEqual([]);
  return JSON.parse(body) as Record<string, unknown>;
}
