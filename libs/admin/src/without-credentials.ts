/**
 * An instance URL as an operator may see it: an upstream's basic-auth
 * credentials can ride in its configured URL (axios sends them), and an
 * admin answer is no place for them.
 */
export function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') {
    return url;
  }
  parsed.username = '';
  parsed.password = '';
  // Configured base URLs carry no trailing slash, and URL adds one to an empty path.
  return parsed.pathname === '/' && !url.endsWith('/') ? parsed.href.slice(0, -1) : parsed.href;
}
