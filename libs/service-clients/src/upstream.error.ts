import type { ServiceName } from '@app/config';
import { ProblemError, type ProblemKind } from '@app/problem';

/*
 * Typed upstream failures. Each is a ProblemError, so a required aggregate
 * section that fails answers with the right status untouched; the detail
 * names the service but never its host, and the cause is only logged.
 */

const SERVICE_LABEL: Record<ServiceName, string> = {
  user: 'user service',
  order: 'order service',
  preference: 'preference service',
};

export abstract class UpstreamError extends ProblemError {
  protected constructor(
    kind: ProblemKind,
    readonly service: ServiceName,
    detail: string,
    cause?: unknown,
  ) {
    super(kind, detail, { cause });
  }
}

export class UpstreamNotFoundError extends UpstreamError {
  constructor(service: ServiceName, what: string) {
    super('not-found', service, `${what} does not exist.`);
    this.name = 'UpstreamNotFoundError';
  }
}

export class UpstreamTimeoutError extends UpstreamError {
  constructor(service: ServiceName, cause?: unknown) {
    super('gateway-timeout', service, `The ${SERVICE_LABEL[service]} did not answer in time.`, cause);
    this.name = 'UpstreamTimeoutError';
  }
}

export class UpstreamUnavailableError extends UpstreamError {
  constructor(service: ServiceName, cause?: unknown) {
    super('service-unavailable', service, `The ${SERVICE_LABEL[service]} is unavailable.`, cause);
    this.name = 'UpstreamUnavailableError';
  }
}

export class UpstreamBadResponseError extends UpstreamError {
  constructor(service: ServiceName, cause?: unknown) {
    super(
      'bad-gateway',
      service,
      `The ${SERVICE_LABEL[service]} sent an answer the gateway cannot use.`,
      cause,
    );
    this.name = 'UpstreamBadResponseError';
  }
}
