import { Injectable } from '@nestjs/common';
import { expectAnswer, expectOwnAnswer, type ExpectedAnswer } from './expected-answer.js';
import { userSchema, type User } from './models.js';
import { userOwnedCache } from './resource-cache.wrapper.js';
import { resourcePath } from './resource-path.js';
import type { ServiceUpstream } from './service-upstream.js';
import type { CallOptions } from './upstream-call.js';
import { UpstreamRegistry } from './upstream-registry.js';

const USER_MISSING = 'The user';
const USER = expectAnswer(userSchema, USER_MISSING);

/** The user `userId`: a record of anybody else is refused. */
function userOf(userId: string): ExpectedAnswer<User> {
  return expectOwnAnswer(USER, (user) => user.id === userId);
}

@Injectable()
export class UserClient {
  private readonly upstream: ServiceUpstream;

  constructor(registry: UpstreamRegistry) {
    this.upstream = registry.for('user');
  }

  get(userId: string, options: CallOptions = {}): Promise<User> {
    return this.upstream.call<User>({
      method: 'GET',
      path: resourcePath('user', '/users/', userId, USER_MISSING),
      expect: userOf(userId),
      cache: userOwnedCache(userId),
      ...options,
    });
  }

  /** The resource cache key {@link get} reads, for an answer that looks its sections up with itself. */
  cacheKeyOf(userId: string): string {
    return this.upstream.cacheKeyOf(userOwnedCache(userId).key);
  }
}
