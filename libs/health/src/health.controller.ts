import { Controller, Get } from '@nestjs/common';
import { HealthCheckService, MemoryHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { SERVICE_NAMES } from '@app/config';
import { getHeapStatistics } from 'node:v8';
import { ApiHealthReport } from './api-health-report.decorator.js';
import { LifecycleHealthIndicator } from './lifecycle.indicator.js';
import { RedisHealthIndicator } from './redis.indicator.js';
import { SigningKeysHealthIndicator } from './signing-keys.indicator.js';
import { UpstreamsHealthIndicator } from './upstreams.indicator.js';

/**
 * A heap this large on a gateway that holds no data means a leak: let the
 * orchestrator restart it. 1 GiB, or nine tenths of the heap V8 may grow
 * to when that is less (the image caps the old generation at 384 MiB, and
 * a check above the cap would never fail before the process died of it).
 */
const HEAP_LIMIT_BYTES = Math.min(1024 * 1024 * 1024, Math.floor(getHeapStatistics().heap_size_limit * 0.9));

/**
 * `/health/live` answers whether this process should be restarted and never
 * looks at upstreams; `/health/ready` whether it should get traffic (it turns
 * 503 as soon as shutdown begins); `/health` tells everything, upstream
 * reachability included.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly memory: MemoryHealthIndicator,
    private readonly upstreams: UpstreamsHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly lifecycle: LifecycleHealthIndicator,
    private readonly signingKeys: SigningKeysHealthIndicator,
  ) {}

  @Get()
  @ApiHealthReport('Every check: Redis, the heap, the signing keys, and each upstream service')
  overall(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.memory.checkHeap('memory_heap', HEAP_LIMIT_BYTES),
      () => this.redis.check(),
      () => this.signingKeys.check(),
      ...SERVICE_NAMES.map((service) => () => this.upstreams.check(service)),
    ]);
  }

  @Get(['live', 'liveness'])
  @ApiHealthReport('Whether the process should be restarted: the heap only')
  live(): Promise<HealthCheckResult> {
    return this.health.check([() => this.memory.checkHeap('memory_heap', HEAP_LIMIT_BYTES)]);
  }

  @Get(['ready', 'readiness'])
  @ApiHealthReport(
    'Whether the instance should get traffic: 503 from the start of shutdown, or while it holds no JWKS signing key',
  )
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.lifecycle.check(),
      () => this.signingKeys.check(),
      ...SERVICE_NAMES.map((service) => () => this.upstreams.check(service)),
    ]);
  }
}
