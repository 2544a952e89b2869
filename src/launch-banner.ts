/** What `npm start` prints once everything listens: where things are and a first request to paste. */
export function launchBanner(where: {
  mobileUrl: string;
  webUrl: string;
  demoUrls: Record<string, string>;
  readyInMs: number;
}): string {
  const local = (url: string): string => url.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  const mobile = local(where.mobileUrl);
  const web = local(where.webUrl);
  return [
    '',
    `BFF gateway ready in ${where.readyInMs} ms`,
    `  mobile-bff   ${mobile}   (GET /mobile/profile, /health)`,
    `  web-bff      ${web}   (GET /web/dashboard, /health)`,
    ...Object.entries(where.demoUrls).map(([name, url]) => `  demo ${name.padEnd(10)} ${local(url)}`),
    '',
    'Get a development token (any user id works; add --roles admin for admin routes):',
    '  npm run token -- --sub u1',
    '',
    'Then ask for the mobile profile:',
    `  curl -s -H "Authorization: Bearer $(npm run -s token -- --sub u1)" ${mobile}/mobile/profile`,
    '',
  ].join('\n');
}
