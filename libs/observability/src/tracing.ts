import { Logger } from '@nestjs/common';
import type { TracingConfig } from '@app/config';
import { diag, DiagLogLevel, type DiagLogFunction, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { samplerFor } from './sampler.js';

/** The instrumentation scope every span of the gateway carries. */
const TRACER_NAME = 'bff-gateway';

/**
 * How long closing an app waits for its last spans to leave. It fits in the
 * 5 s that closeOnSignals allows past the drain, with room for the rest of
 * the close; a collector that is down or slow loses those spans, never the
 * shutdown.
 */
export const FLUSH_ON_CLOSE_MS = 2_000;

const logger = new Logger('Tracing');
const ignore: DiagLogFunction = () => undefined;
/**
 * One part of a diag message, without a stack: the SDK's error handler
 * hands over errors serialised as JSON (`{"stack": …, "message": …}`), whose
 * stack is the SDK's own and names the install's paths, and says nothing an
 * operator can act on beyond the message.
 */
export function withoutStack(part: unknown): string {
  if (part instanceof Error) {
    return `${part.name}: ${part.message}`;
  }
  const text = String(part);
  if (!text.startsWith('{')) {
    return text;
  }
  try {
    const parsed = JSON.parse(text) as { name?: unknown; message?: unknown };
    return typeof parsed.message === 'string'
      ? `${typeof parsed.name === 'string' ? parsed.name : 'Error'}: ${parsed.message}`
      : text;
  } catch {
    return text;
  }
}

const toLog =
  (write: (line: string) => void): DiagLogFunction =>
  (message, ...args) =>
    write(`span export: ${[message, ...args].map(withoutStack).join(' ')}`);

/**
 * The SDK reports failed exports on its diag channel, which is silent until
 * a logger is set: warnings and errors go to the app's log, so an operator
 * learns that spans are not arriving. Process-wide, like the channel.
 */
function logSdkProblems(): void {
  diag.setLogger(
    {
      error: toLog((line) => logger.error(line)),
      warn: toLog((line) => logger.warn(line)),
      info: ignore,
      debug: ignore,
      verbose: ignore,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

/**
 * One app's tracer provider: spans are batched and sent as OTLP/HTTP JSON in
 * the background, so a slow or absent collector never holds a request; the
 * batch queue is bounded (the SDK drops spans past it) and every export is
 * bounded by its timeout. Each app has its own provider, not the global one,
 * since the launcher runs both BFFs in one process under different names.
 */
export class Tracing {
  readonly tracer: Tracer;
  private readonly provider: BasicTracerProvider;

  constructor(config: TracingConfig, appName: string) {
    const exporter = new OTLPTraceExporter({
      url: config.url,
      headers: config.headers,
      timeoutMillis: config.exportTimeoutMs,
    });
    this.provider = new BasicTracerProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName ?? appName }),
      ),
      sampler: samplerFor(config.sampler, config.samplerRatio),
      spanProcessors: [
        new BatchSpanProcessor(exporter, {
          scheduledDelayMillis: config.batchDelayMs,
          exportTimeoutMillis: config.exportTimeoutMs,
        }),
      ],
    });
    this.tracer = this.provider.getTracer(TRACER_NAME);
  }

  /** Sends the spans still queued and stops, giving up after {@link FLUSH_ON_CLOSE_MS}. */
  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<'given up'>((resolve) => {
      timer = setTimeout(() => resolve('given up'), FLUSH_ON_CLOSE_MS);
      timer.unref();
    });
    const outcome = await Promise.race([
      this.provider.shutdown().then(
        () => 'flushed' as const,
        (error: unknown) => {
          logger.warn(`the last spans could not be sent: ${String(error)}`);
          return 'failed' as const;
        },
      ),
      givenUp,
    ]);
    clearTimeout(timer);
    if (outcome === 'given up') {
      logger.warn(`the collector took longer than ${FLUSH_ON_CLOSE_MS} ms: closing without the last spans`);
    }
  }
}

/** One app's tracing, its SDK problems sent to the app's log; loaded by {@link startTracing} only when a collector is configured. */
export function createTracing(config: TracingConfig, appName: string): Tracing {
  logSdkProblems();
  return new Tracing(config, appName);
}
