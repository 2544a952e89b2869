import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/observability';
import { OrderClient } from './order.client.js';
import { PreferenceClient } from './preference.client.js';
import { UpstreamRegistry } from './upstream-registry.js';
import { UserClient } from './user.client.js';

@Module({
  imports: [MetricsModule],
  providers: [UpstreamRegistry, UserClient, OrderClient, PreferenceClient],
  exports: [UpstreamRegistry, UserClient, OrderClient, PreferenceClient],
})
export class ServiceClientsModule {}
