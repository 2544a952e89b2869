import { Controller, Get, UseGuards } from '@nestjs/common';
import { Roles } from '@app/auth';
import { UpstreamRegistry, type ServiceSnapshot } from '@app/service-clients';
import { ApiAnswer } from '@app/http';
import { ApiBearerAuth, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { servicesAnswerSchema } from './admin-answers.js';
import { AdminNetworkGuard } from './admin-network.guard.js';

/** What an operator sees of the upstreams: instances, breakers, ejections, load and recent errors. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('admin/services')
@Roles('admin')
@UseGuards(AdminNetworkGuard)
export class ServicesAdminController {
  constructor(private readonly registry: UpstreamRegistry) {}

  @Get()
  @ApiAnswer(servicesAnswerSchema, {
    summary: 'Each upstream service: breaker, load, retries and instances',
    problems: ['forbidden'],
  })
  services(): { services: ServiceSnapshot[] } {
    // Instance URLs carry no credentials: the config refuses them.
    return { services: this.registry.all().map((upstream) => upstream.snapshot()) };
  }
}
