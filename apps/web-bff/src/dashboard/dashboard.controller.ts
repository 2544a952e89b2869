import { AGGREGATE_COST } from '@app/config';
import { Controller, Get } from '@nestjs/common';
import { aggregate, optional, required, RequestDeadline, type Deadline } from '@app/aggregation';
import { CurrentUser, type Caller } from '@app/auth';
import { ResponseCache, type CachedResponse } from '@app/caching';
import { ThrottleCost } from '@app/throttling';
import { EMPTY_ORDER_PAGE, OrderClient, PreferenceClient, UserClient } from '@app/service-clients';
import { webDashboardSchema, type WebDashboard } from './web-dashboard.js';
import { DASHBOARD_PAGE_SIZE, toWebDashboard } from './web-dashboard.mapper.js';
import { ApiAnswer } from '@app/http';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

@ApiTags('dashboard')
@ApiBearerAuth()
@Controller('web')
export class DashboardController {
  constructor(
    private readonly users: UserClient,
    private readonly orders: OrderClient,
    private readonly preferences: PreferenceClient,
  ) {}

  @Get('dashboard')
  @ApiAnswer(webDashboardSchema, {
    summary: 'The full user, the first page of orders, the preferences and stats',
    problems: ['forbidden', 'not-found', 'bad-gateway', 'service-unavailable', 'gateway-timeout'],
    conditional: true,
  })
  @ThrottleCost(AGGREGATE_COST)
  dashboard(
    @CurrentUser() caller: Caller,
    @RequestDeadline() deadline: Deadline,
    @ResponseCache() cache: CachedResponse,
  ): Promise<string | undefined> {
    return cache.answer(
      () => this.build(caller, deadline),
      () => this.sectionKeys(caller),
    );
  }

  /** The resource cache keys {@link build} reads, looked up with the cached answer. */
  private sectionKeys(caller: Caller): string[] {
    return [
      this.users.cacheKeyOf(caller.id),
      this.orders.listCacheKeyOf({ userId: caller.id, limit: DASHBOARD_PAGE_SIZE }),
      this.preferences.cacheKeyOf(caller.id),
    ];
  }

  private async build(caller: Caller, deadline: Deadline): Promise<WebDashboard> {
    const sections = await aggregate(deadline, {
      user: required((scope) => this.users.get(caller.id, scope)),
      orders: optional(
        (scope) => this.orders.list({ userId: caller.id, limit: DASHBOARD_PAGE_SIZE }, scope),
        EMPTY_ORDER_PAGE,
      ),
      preferences: optional((scope) => this.preferences.get(caller.id, scope), null),
    });
    return toWebDashboard(sections);
  }
}
