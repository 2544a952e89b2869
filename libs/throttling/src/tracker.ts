/** Who a request is counted as: a signed-in user, a named API consumer, or else the client's address. */
export function trackerFor(caller: unknown, ip: string): string {
  const known = caller as { kind?: unknown; id?: unknown } | undefined;
  if (typeof known?.id === 'string' && (known.kind === 'user' || known.kind === 'consumer')) {
    return `${known.kind}:${known.id}`;
  }
  return `ip:${ip}`;
}
