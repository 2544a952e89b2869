import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '@app/auth';
import { ServiceClientsModule } from '@app/service-clients';
import { HealthController } from './health.controller.js';
import { LifecycleHealthIndicator } from './lifecycle.indicator.js';
import { RedisHealthIndicator } from './redis.indicator.js';
import { SigningKeysHealthIndicator } from './signing-keys.indicator.js';
import { UpstreamsHealthIndicator } from './upstreams.indicator.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ServiceClientsModule, AuthModule],
  controllers: [HealthController],
  providers: [
    UpstreamsHealthIndicator,
    RedisHealthIndicator,
    LifecycleHealthIndicator,
    SigningKeysHealthIndicator,
  ],
})
export class HealthModule {}
