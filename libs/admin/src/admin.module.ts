import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { ServiceClientsModule } from '@app/service-clients';
import { CacheAdminController } from './cache-admin.controller.js';
import { RateLimitsAdminController } from './rate-limits-admin.controller.js';
import { ServicesAdminController } from './services-admin.controller.js';

/** The admin surface every BFF serves; each route needs the admin role. */
@Module({
  imports: [ServiceClientsModule, AuthModule],
  controllers: [ServicesAdminController, CacheAdminController, RateLimitsAdminController],
})
export class AdminModule {}
