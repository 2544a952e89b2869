import { withoutPort } from '@app/auth';
import type { TrackerKind } from '@app/observability';

/** Who a request is counted as: a signed-in user, a named API consumer, or else the client's address. */
export function trackerFor(caller: unknown, ip: string): string {
  const known = caller as { kind?: unknown; id?: unknown } | undefined;
  if (typeof known?.id === 'string' && (known.kind === 'user' || known.kind === 'consumer')) {
    return `${known.kind}:${known.id}`;
  }
  return `ip:${withoutPort(ip)}`;
}

/** The kind of caller a tracker counts (user, consumer or ip) without its id or address: the part fit for a metric label. */
export function trackerKindOf(tracker: string): TrackerKind {
  const kind = tracker.slice(0, tracker.indexOf(':'));
  return kind === 'user' || kind === 'consumer' ? kind : 'ip';
}
