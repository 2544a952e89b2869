/**
 * The upstream path for what follows a pass-through prefix: every segment
 * re-encoded, and undefined for anything that could climb out of the
 * upstream prefix (empty, `.` or `..` segments, or encoded separators) or
 * that holds an encoded control character.
 */
export function relayPath(upstreamPrefix: string, rest: string): string | undefined {
  if (rest === '') {
    return upstreamPrefix;
  }
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      // Not valid percent-encoding: nothing an upstream could have a resource under.
      return undefined;
    }
    // An encoded separator would be one segment here, but an upstream that decodes it would see two; an encoded
    // control character (NUL, CR, LF) names no resource and breaks upstreams that decode before they log or proxy.
    if (segment === '' || segment === '.' || segment === '..' || /[/\\]|\p{Cc}/u.test(segment)) {
      return undefined;
    }
    segments.push(encodeURIComponent(segment));
  }
  return upstreamPrefix + segments.join('/');
}
