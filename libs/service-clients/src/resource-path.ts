import type { ServiceName } from '@app/config';
import { encodePathSegment } from './encode-path-segment.js';
import { UpstreamNotFoundError } from './upstream.error.js';

/**
 * `prefix` + one encoded id. An id that cannot be a path segment names
 * nothing that can exist, so it is answered as not found without a call.
 */
export function resourcePath(service: ServiceName, prefix: string, id: string, missing: string): string {
  const segment = encodePathSegment(id);
  if (segment === undefined) {
    throw new UpstreamNotFoundError(service, missing);
  }
  return prefix + segment;
}
