import { AGGREGATE_COST } from '@app/config';
import { Controller, Get, Version, VERSION_NEUTRAL } from '@nestjs/common';
import { aggregate, optional, required, RequestDeadline, type Deadline } from '@app/aggregation';
import { CurrentUser, type Caller } from '@app/auth';
import { ResponseCache, type CachedResponse } from '@app/caching';
import { ApiAnswer } from '@app/http';
import { EMPTY_ORDER_PAGE, OrderClient, PreferenceClient, UserClient } from '@app/service-clients';
import { ThrottleCost } from '@app/throttling';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiHeader, ApiTags } from '@nestjs/swagger';
import { mobileProfileSchema, type MobileProfile } from './mobile-profile.js';
import { mobileProfileV2Schema, type MobileProfileV2 } from './mobile-profile-v2.js';
import { RECENT_ORDER_COUNT, toMobileProfile, toMobileProfileV2 } from './mobile-profile.mapper.js';

const PROFILE_PROBLEMS = [
  'forbidden',
  'not-found',
  'bad-gateway',
  'service-unavailable',
  'gateway-timeout',
] as const;

@ApiTags('profile')
@ApiBearerAuth()
@Controller('mobile')
export class ProfileController {
  constructor(
    private readonly users: UserClient,
    private readonly orders: OrderClient,
    private readonly preferences: PreferenceClient,
  ) {}

  /** Version 1, also served to clients that send no `X-Api-Version`: the builds already in the wild. */
  @Get('profile')
  @Version([VERSION_NEUTRAL, '1'])
  @ApiAnswer(mobileProfileSchema, {
    summary:
      'The signed-in user, their three newest orders and their preferences. Version 1 by default; X-Api-Version: 2 answers the second shape',
    problems: [...PROFILE_PROBLEMS],
    otherVersions: [mobileProfileV2Schema],
    conditional: true,
  })
  @ApiHeader({ name: 'X-Api-Version', required: false, description: '1 (default) or 2' })
  @ThrottleCost(AGGREGATE_COST)
  profile(
    @CurrentUser() caller: Caller,
    @RequestDeadline() deadline: Deadline,
    @ResponseCache() cache: CachedResponse,
  ): Promise<string | undefined> {
    return cache.answer(
      async (): Promise<MobileProfile> => toMobileProfile(await this.sections(caller, deadline)),
      () => this.sectionKeys(caller),
    );
  }

  @Get('profile')
  @Version('2')
  @ApiExcludeEndpoint()
  @ApiAnswer(mobileProfileV2Schema, {
    summary:
      'Version 2 (X-Api-Version: 2): display name, orders with a "see all" hint, notification settings',
    problems: [...PROFILE_PROBLEMS],
    conditional: true,
  })
  @ThrottleCost(AGGREGATE_COST)
  profileV2(
    @CurrentUser() caller: Caller,
    @RequestDeadline() deadline: Deadline,
    @ResponseCache() cache: CachedResponse,
  ): Promise<string | undefined> {
    return cache.answer(
      async (): Promise<MobileProfileV2> => toMobileProfileV2(await this.sections(caller, deadline)),
      () => this.sectionKeys(caller),
    );
  }

  /** The resource cache keys {@link sections} reads, looked up with the cached answer. */
  private sectionKeys(caller: Caller): string[] {
    return [
      this.users.cacheKeyOf(caller.id),
      this.orders.listCacheKeyOf({ userId: caller.id, limit: RECENT_ORDER_COUNT }),
      this.preferences.cacheKeyOf(caller.id),
    ];
  }

  private sections(caller: Caller, deadline: Deadline) {
    return aggregate(deadline, {
      user: required((scope) => this.users.get(caller.id, scope)),
      recentOrders: optional(
        (scope) => this.orders.list({ userId: caller.id, limit: RECENT_ORDER_COUNT }, scope),
        EMPTY_ORDER_PAGE,
      ),
      preferences: optional((scope) => this.preferences.get(caller.id, scope), null),
    });
  }
}
