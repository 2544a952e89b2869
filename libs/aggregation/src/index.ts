export { aggregate, type Aggregate, type Sections, type SectionValues } from './aggregate.js';
export {
  aggregateMetaSchema,
  completenessOf,
  hasAggregateMeta,
  renameSections,
  toAggregateMeta,
  type AggregateMeta,
  type SectionReport,
  type SectionStatus,
} from './aggregate-meta.js';
export { AggregationModule } from './aggregation.module.js';
export { ClientClosedError, Deadline, DeadlineExceededError } from './deadline.js';
export { DeadlineMs, RequestDeadline, type AggregationOptions } from './request-deadline.js';
export {
  optional,
  required,
  type Loader,
  type OptionalSection,
  type RequiredSection,
  type Section,
  type SectionScope,
} from './section.js';
