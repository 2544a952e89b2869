/**
 * Encodes one path parameter, or refuses it: encodeURIComponent leaves `.`
 * alone, and URL parsers resolve `.` and `..` segments even when
 * percent-encoded, so such a parameter would climb to another upstream path.
 */
export function encodePathSegment(value: string): string | undefined {
  return value === '' || value === '.' || value === '..' ? undefined : encodeURIComponent(value);
}
