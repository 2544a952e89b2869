import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ServiceClientsModule } from '@app/service-clients';
import { HealthController } from './health.controller.js';
import { UpstreamsHealthIndicator } from './upstreams.indicator.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ServiceClientsModule],
  controllers: [HealthController],
  providers: [UpstreamsHealthIndicator],
})
export class HealthModule {}
