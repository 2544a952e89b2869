import { Controller, Get } from '@nestjs/common';
import { Roles } from '@app/auth';
import { UpstreamRegistry, type ServiceSnapshot } from '@app/service-clients';

/** What an operator sees of the upstreams: instances, breakers, ejections, load and recent errors. */
@Controller('admin/services')
@Roles('admin')
export class ServicesAdminController {
  constructor(private readonly registry: UpstreamRegistry) {}

  @Get()
  services(): { services: ServiceSnapshot[] } {
    return { services: this.registry.all().map((upstream) => upstream.snapshot()) };
  }
}
