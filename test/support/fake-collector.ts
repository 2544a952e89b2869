import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** OTLP's span kinds, as the JSON encoding numbers them (the API's SpanKind plus one). */
export const OTLP_KIND = { internal: 1, server: 2, client: 3 } as const;
/** OTLP's status codes. */
export const OTLP_STATUS = { unset: 0, ok: 1, error: 2 } as const;

/** One span as a collector received it, its attributes and its resource's `service.name` unpacked. */
export interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  status: number;
  attributes: Record<string, unknown>;
}

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number };
}

interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        status?: { code?: number };
        attributes?: OtlpKeyValue[];
      }[];
    }[];
  }[];
}

function unpack(attributes: OtlpKeyValue[] = []): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const { key, value } of attributes) {
    values[key] =
      value.stringValue ??
      (value.intValue === undefined ? undefined : Number(value.intValue)) ??
      value.boolValue ??
      value.doubleValue;
  }
  return values;
}

export type CollectorBehaviour = 'accept' | 'hang';

/**
 * An OpenTelemetry collector's OTLP/HTTP traces receiver on a loopback
 * port: it takes `POST /v1/traces` in the JSON encoding and keeps every span
 * it is sent. `hang` takes the export and never answers, like a collector
 * wedged behind a load balancer.
 */
export class FakeCollector {
  readonly spans: CollectedSpan[] = [];
  /** Every export request's content type, in arrival order. */
  readonly contentTypes: string[] = [];
  behaviour: CollectorBehaviour = 'accept';
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((request, response) => {
    this.receive(request, response);
  });

  private constructor() {
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeCollector> {
    const collector = new FakeCollector();
    await new Promise<void>((resolve) => collector.server.listen(0, '127.0.0.1', resolve));
    return collector;
  }

  /** The base endpoint, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves with the spans once `ready` holds for them; fails the test after `timeoutMs`. */
  async waitFor(ready: (spans: CollectedSpan[]) => boolean, timeoutMs = 5_000): Promise<CollectedSpan[]> {
    for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(10)) {
      if (ready(this.spans)) {
        return this.spans;
      }
    }
    throw new Error(`the collector did not receive the expected spans within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receive(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      this.contentTypes.push(request.headers['content-type'] ?? '');
      this.record(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      if (this.behaviour === 'accept') {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }
    });
  }

  private record(body: OtlpExport): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = String(unpack(resourceSpans.resource?.attributes)['service.name']);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId === '' ? undefined : span.parentSpanId,
            name: span.name,
            kind: span.kind,
            status: span.status?.code ?? OTLP_STATUS.unset,
            attributes: unpack(span.attributes),
          });
        }
      }
    }
  }
}
