import { Injectable } from '@nestjs/common';
import { preferencesSchema, type Preferences, type PreferencesPatch } from './models.js';
import { readAnswer } from './read-answer.js';
import { resourcePath } from './resource-path.js';
import type { ServiceUpstream } from './service-upstream.js';
import type { CallOptions } from './upstream-call.js';
import { UpstreamRegistry } from './upstream-registry.js';

const PREFERENCES = "The user's preferences";

@Injectable()
export class PreferenceClient {
  private readonly upstream: ServiceUpstream;

  constructor(registry: UpstreamRegistry) {
    this.upstream = registry.for('preference');
  }

  async get(userId: string, options: CallOptions = {}): Promise<Preferences> {
    const response = await this.upstream.call({
      method: 'GET',
      path: resourcePath('preference', '/preferences/', userId, PREFERENCES),
      ...options,
    });
    return readAnswer('preference', response, preferencesSchema, PREFERENCES);
  }

  async update(userId: string, patch: PreferencesPatch, options: CallOptions = {}): Promise<Preferences> {
    const response = await this.upstream.call({
      method: 'PATCH',
      path: resourcePath('preference', '/preferences/', userId, PREFERENCES),
      body: patch,
      ...options,
    });
    return readAnswer('preference', response, preferencesSchema, PREFERENCES);
  }
}
