import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { processLifecycle } from '@app/observability';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerEarly } from './early-problem.js';
import { inFlight, unanswered } from './in-flight.js';

export interface Closeable {
  close(): Promise<void>;
}

export interface ShutdownOptions {
  /** After readiness turns 503 and before new connections are refused: time for load balancers to notice. */
  graceMs: number;
  /** How long requests already in flight may take to finish once new connections are refused. */
  drainMs: number;
}

const logger = new Logger('Shutdown');
const POLL_MS = 25;
/** How long the refusals of requests still running at the drain's end are given to leave. */
const FLUSH_MS = 1_000;

async function drain(app: NestFastifyApplication, drainMs: number): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // Refuses new connections; idle keep-alive ones close, the busy ones finish their request.
  app.getHttpServer().close();
  const until = Date.now() + drainMs;
  while (inFlight(fastify) > 0 && Date.now() < until) {
    await sleep(POLL_MS);
  }
  if (inFlight(fastify) > 0) {
    logger.warn(`${inFlight(fastify)} request(s) still running after ${drainMs} ms: answering them 503`);
    refuseUnanswered(fastify);
    // Their answers leave at the end of this turn; the connections are closed after them, not before.
    const flushedBy = Date.now() + FLUSH_MS;
    while (inFlight(fastify) > 0 && Date.now() < flushedBy) {
      await sleep(POLL_MS);
    }
  }
}

/**
 * Answers the requests the drain could not wait for with a 503 problem,
 * rather than cutting their connections without a word: the client learns
 * that this instance is going away and may send the request to another (a
 * write it sent with an Idempotency-Key safely). Their handlers run on
 * until the app closes; Fastify drops what they send after this.
 */
function refuseUnanswered(fastify: FastifyInstance): void {
  for (const [request, reply] of unanswered(fastify)) {
    void reply.header('retry-after', '1').header('connection', 'close');
    answerEarly(
      request,
      reply,
      'service-unavailable',
      'The gateway is shutting down; send the request again.',
    );
  }
}

/**
 * Shuts BFF apps down without cutting a request: readiness turns 503 at
 * once, new connections are refused after the grace period, requests in
 * flight finish (bounded), then each app closes (Redis, agents, timers), and
 * finally whatever else the process runs (`after`, such as the demo services).
 */
export async function gracefulShutdown(
  apps: NestFastifyApplication[],
  options: ShutdownOptions,
  after: Closeable[] = [],
): Promise<void> {
  processLifecycle.beginShutdown();
  await sleep(options.graceMs);
  await Promise.all(apps.map((app) => drain(app, options.drainMs)));
  await Promise.all(apps.map((app) => app.close()));
  await Promise.all(after.map((closeable) => closeable.close()));
}

/**
 * Runs {@link gracefulShutdown} on SIGTERM or SIGINT, then exits. One
 * handler for the whole process rather than Nest's `enableShutdownHooks()`
 * per app: with several apps in one process each of those would end the
 * process as soon as its own app had closed, cutting the others' requests.
 * A second signal while closing is noted and nothing more: once the first
 * handler was gone, Node's default one killed the process mid-drain, cutting
 * the requests the first signal had let finish. The drain is bounded anyway.
 */
export function closeOnSignals(
  apps: NestFastifyApplication[],
  options: ShutdownOptions,
  after: Closeable[] = [],
): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.log(`${signal} received again: still closing, within ${options.graceMs + options.drainMs} ms`);
      return;
    }
    closing = true;
    logger.log(`${signal} received: readiness off, closing in ${options.graceMs} ms`);
    const forced = setTimeout(
      () => {
        logger.error('still closing long after the drain: exiting anyway');
        process.exit(1);
      },
      options.graceMs + options.drainMs + 5_000,
    );
    forced.unref();
    gracefulShutdown(apps, options, after).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`close failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
