import type { TracingConfig } from '@app/config';
import type { Tracing } from './tracing.js';

/**
 * Tracing for one app, or undefined when no collector is configured: then
 * nothing is built, nothing is sent, and the OpenTelemetry SDK (its
 * exporter, resources, span processors and samplers) is never loaded.
 */
export async function startTracing(
  config: TracingConfig | undefined,
  appName: string,
): Promise<Tracing | undefined> {
  if (config === undefined) {
    return undefined;
  }
  const { createTracing } = await import('./tracing.js');
  return createTracing(config, appName);
}
