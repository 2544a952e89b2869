import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { processLifecycle } from '@app/observability';

/** Down from the moment shutdown begins, so orchestrators stop sending traffic before connections are refused. */
@Injectable()
export class LifecycleHealthIndicator {
  constructor(private readonly indicators: HealthIndicatorService) {}

  check(): HealthIndicatorResult {
    const session = this.indicators.check('lifecycle');
    return processLifecycle.shuttingDown
      ? session.down({ state: 'shutting down' })
      : session.up({ state: 'serving' });
  }
}
