import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.js';

/**
 * One {@link Metrics} registry per app and the route that exposes it. Global,
 * so a pipe a controller's parameter names (the response cache's) finds it too;
 * the libs that record into it import it as well, which states the dependency
 * and still yields one instance per app.
 */
@Global()
@Module({
  providers: [Metrics],
  controllers: [MetricsController],
  exports: [Metrics],
})
export class MetricsModule {}
