import { Injectable } from '@nestjs/common';
import { userSchema, type User } from './models.js';
import { readAnswer } from './read-answer.js';
import { resourcePath } from './resource-path.js';
import type { ServiceUpstream } from './service-upstream.js';
import type { CallOptions } from './upstream-call.js';
import { UpstreamRegistry } from './upstream-registry.js';

@Injectable()
export class UserClient {
  private readonly upstream: ServiceUpstream;

  constructor(registry: UpstreamRegistry) {
    this.upstream = registry.for('user');
  }

  async get(userId: string, options: CallOptions = {}): Promise<User> {
    const response = await this.upstream.call({
      method: 'GET',
      path: resourcePath('user', '/users/', userId, 'The user'),
      ...options,
    });
    return readAnswer('user', response, userSchema, 'The user');
  }
}
