export {
  asksForFreshData,
  forbidsStoring,
  requestContextOf,
  type RequestContext,
  type UpstreamCallRecord,
} from './request-context.js';
export { formatTraceparent, newSpanId, traceContextFor, type TraceContext } from './trace-context.js';
export {
  endRequestSpan,
  endSectionSpan,
  endUpstreamSpan,
  startRequestSpan,
  startSectionSpan,
  startUpstreamSpan,
  traceContextOf,
  traceparentOf,
  type SectionOutcome,
  type TraceSpan,
} from './spans.js';
export { startTracing } from './start-tracing.js';
export type { Tracing } from './tracing.js';
export { ProcessLifecycle, processLifecycle } from './process-lifecycle.js';
export {
  Metrics,
  type AggregateSectionStatus,
  type BreakerState,
  type CacheEvent,
  type CacheLayer,
  type TrackerKind,
  type UpstreamOutcome,
} from './metrics.js';
export { METRICS_PATH, MetricsController } from './metrics.controller.js';
export { MetricsModule } from './metrics.module.js';
