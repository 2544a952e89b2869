import { Controller, Get } from '@nestjs/common';
import { aggregate, optional, required, RequestDeadline, type Deadline } from '@app/aggregation';
import { CurrentUser, type Caller } from '@app/auth';
import { CacheResponse } from '@app/caching';
import { ThrottleCost } from '@app/throttling';
import { EMPTY_ORDER_PAGE, OrderClient, PreferenceClient, UserClient } from '@app/service-clients';
import { mobileProfileSchema, type MobileProfile } from './mobile-profile.js';
import { RECENT_ORDER_COUNT, toMobileProfile } from './mobile-profile.mapper.js';
import { ApiAnswer } from '@app/http';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';

/** One unit per upstream service the aggregate fans out to. */
const AGGREGATE_COST = 3;

@ApiTags('profile')
@ApiBearerAuth()
@Controller('mobile')
export class ProfileController {
  constructor(
    private readonly users: UserClient,
    private readonly orders: OrderClient,
    private readonly preferences: PreferenceClient,
  ) {}

  @Get('profile')
  @ApiAnswer(mobileProfileSchema, {
    summary: 'The signed-in user, their three newest orders and their preferences',
    problems: ['forbidden', 'not-found', 'bad-gateway', 'service-unavailable', 'gateway-timeout'],
  })
  @CacheResponse()
  @ThrottleCost(AGGREGATE_COST)
  async profile(
    @CurrentUser() caller: Caller,
    @RequestDeadline() deadline: Deadline,
  ): Promise<MobileProfile> {
    const sections = await aggregate(deadline, {
      user: required((scope) => this.users.get(caller.id, scope)),
      recentOrders: optional(
        (scope) => this.orders.list({ userId: caller.id, limit: RECENT_ORDER_COUNT }, scope),
        EMPTY_ORDER_PAGE,
      ),
      preferences: optional((scope) => this.preferences.get(caller.id, scope), null),
    });
    return toMobileProfile(sections);
  }
}
