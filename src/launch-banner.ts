/** What `npm start` prints once everything listens: where things are and a first request to paste. */
export function launchBanner(where: {
  mobileUrl: string;
  webUrl: string;
  demoUrls: Record<string, string>;
  readyInMs: number;
  /** Whether `npm run token` can sign tokens this gateway accepts: only with JWT_SECRET. */
  mintsTokens: boolean;
}): string {
  const local = (url: string): string => url.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  const mobile = local(where.mobileUrl);
  const web = local(where.webUrl);
  const firstRequest = where.mintsTokens
    ? [
        'Get a development token (any user id works; add --roles admin for admin routes):',
        '  npm run token -- --sub u1',
        '',
        'Then ask for the mobile profile:',
        `  curl -s -H "Authorization: Bearer $(npm run -s token -- --sub u1)" ${mobile}/mobile/profile`,
      ]
    : [
        'Tokens are verified with JWT_PUBLIC_KEY or JWT_JWKS_URL: get one from your identity provider, then',
        `  curl -s -H "Authorization: Bearer $TOKEN" ${mobile}/mobile/profile`,
      ];
  return [
    '',
    `BFF gateway ready in ${where.readyInMs} ms`,
    `  mobile-bff   ${mobile}   (GET /mobile/profile, /health)`,
    `  web-bff      ${web}   (GET /web/dashboard, /health)`,
    ...Object.entries(where.demoUrls).map(([name, url]) => `  demo ${name.padEnd(10)} ${local(url)}`),
    '',
    ...firstRequest,
    '',
  ].join('\n');
}
