import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { demoPreferences, demoUser } from '../apps/demo-services/src/demo-data.js';
import {
  CORS_PROBE_PAGE,
  isFailure,
  type BrowserAnswer,
  type BrowserOutcome,
  type CorsProbe,
  type PageRequest,
} from './support/cors-probe-page.js';
import { servePage, type PageServer } from './support/page-server.js';
import { startStack, type Stack } from './support/stack.js';
import { mintToken } from './support/tokens.js';

/*
 * A real browser enforces CORS; Node's fetch does not. These tests drive
 * Debian's Chromium (CI installs it; CHROMIUM_PATH points elsewhere) from a
 * page served on one loopback port, origin A, against the web BFF on another,
 * origin B, so the browser sends its own preflights and hides every header
 * the BFF does not expose. Without Chromium the suite is skipped.
 */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/*
 * The machine has no network beyond loopback: without the background
 * networking flags Chromium keeps trying Google's hosts. Playwright gives
 * every launch a fresh, empty profile of its own (it refuses --user-data-dir
 * in `args`), so no state carries over between runs.
 */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Written outside the work tree, so no run leaves a file for git to pick up. */
/** Kept as a test artifact beside the suites (git ignores the folder). */
const DASHBOARD_SCREENSHOT = join(import.meta.dirname, '.artifacts', 'browser-cors-dashboard.png');

function answered(outcome: BrowserOutcome): BrowserAnswer {
  if (isFailure(outcome)) {
    throw new Error(`the page's fetch failed: ${outcome.error}: ${outcome.message}`);
  }
  return outcome;
}

function otherTheme(userId: string): 'light' | 'dark' {
  return demoPreferences(userId).theme === 'dark' ? 'light' : 'dark';
}

describe.skipIf(!existsSync(executablePath))('the web BFF called from a page on another origin', () => {
  let allowedSite: PageServer;
  let otherSite: PageServer;
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    allowedSite = await servePage(CORS_PROBE_PAGE);
    otherSite = await servePage(CORS_PROBE_PAGE);
    stack = await startStack({
      CORS_ORIGINS: allowedSite.origin,
      // On, with limits no test reaches, so answers carry the RateLimit and X-Cache headers a page should be able to read.
      CACHE_ENABLED: 'true',
      THROTTLE_ENABLED: 'true',
      THROTTLE_BURST_LIMIT: '1000',
      THROTTLE_SUSTAINED_LIMIT: '10000',
    });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await allowedSite?.close();
    await otherSite?.close();
  });
  // A fresh context per test: its own HTTP cache and preflight cache, as a new visitor has.
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  async function open(site: PageServer): Promise<Page> {
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.origin}/`);
    return page;
  }

  function call(page: Page, path: string, request: PageRequest): Promise<BrowserOutcome> {
    return page.evaluate(
      ([url, init]) => (window as unknown as { corsProbe: CorsProbe }).corsProbe.call(url, init),
      [`${stack.webUrl}${path}`, request] as const,
    );
  }

  const signedIn = (sub: string, headers: Record<string, string> = {}): Record<string, string> => ({
    authorization: `Bearer ${mintToken({ sub })}`,
    ...headers,
  });

  it('loads the dashboard with a bearer token and lets the script read the exposed headers', async () => {
    const page = await open(allowedSite);

    const dashboard = answered(
      await call(page, '/web/dashboard', {
        headers: signedIn('u9', { 'x-request-id': 'browser-cors-1' }),
        cache: 'no-store',
      }),
    );

    expect(dashboard.status).toBe(200);
    expect((dashboard.body as { user: { id: string } }).user.id).toBe('u9');
    // The browser hands the script only what Access-Control-Expose-Headers names (and a short safelist).
    expect(dashboard.headers).toMatchObject({
      'x-request-id': 'browser-cors-1',
      'x-response-complete': 'true',
      etag: expect.stringMatching(/^"[^"]+"$/),
      'x-cache': 'miss',
      'ratelimit-limit': expect.stringMatching(/^\d+$/),
      'ratelimit-remaining': expect.stringMatching(/^\d+$/),
      'ratelimit-reset': expect.stringMatching(/^\d+$/),
      'ratelimit-policy': expect.any(String),
    });
    // The control: a header the BFF sends but does not expose stays hidden, so the ones above were exposed.
    expect(dashboard.headers).not.toHaveProperty('vary');
  });

  it('answers the page 304 when the ETag it sends with If-None-Match is still current', async () => {
    const page = await open(allowedSite);
    const first = answered(
      await call(page, '/web/dashboard', { headers: signedIn('u3'), cache: 'no-store' }),
    );
    const etag = first.headers.etag;
    expect(etag).toMatch(/^"[^"]+"$/);

    // no-store keeps Chromium's HTTP cache out of the way: it neither answers from its copy nor turns the 304 into a 200.
    const conditional = answered(
      await call(page, '/web/dashboard', {
        headers: signedIn('u3', { 'if-none-match': etag }),
        cache: 'no-store',
      }),
    );

    expect(conditional.status).toBe(304);
    expect(conditional.body).toBeNull();
    expect(conditional.headers.etag).toBe(etag);
  });

  it('saves a preference from the page with a preflighted JSON PATCH', async () => {
    const page = await open(allowedSite);
    const theme = otherTheme('u7');

    // A JSON body, a bearer token and an Idempotency-Key make this a request the browser preflights.
    const patched = answered(
      await call(page, '/web/preferences', {
        method: 'PATCH',
        headers: signedIn('u7', {
          'content-type': 'application/json',
          'idempotency-key': 'browser-cors-theme-1',
        }),
        body: JSON.stringify({ theme }),
        cache: 'no-store',
      }),
    );

    expect(patched.status).toBe(200);
    expect((patched.body as { theme: string }).theme).toBe(theme);
    const dashboard = answered(
      await call(page, '/web/dashboard', { headers: signedIn('u7'), cache: 'no-store' }),
    );
    expect((dashboard.body as { preferences: { theme: string } }).preferences.theme).toBe(theme);
  });

  it('lets the page read the 401 problem when the token is missing, rather than failing the fetch', async () => {
    const page = await open(allowedSite);

    const refused = answered(await call(page, '/web/dashboard', { cache: 'no-store' }));

    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 401 });
    expect(refused.headers['x-request-id']).toBe((refused.body as { requestId: string }).requestId);
  });

  it("renders the signed-in user's name from the dashboard into the page", async () => {
    const page = await open(allowedSite);

    const outcome = await page.evaluate(
      ([api, token]) => (window as unknown as { corsProbe: CorsProbe }).corsProbe.showDashboard(api, token),
      [stack.webUrl, mintToken({ sub: 'u9' })] as const,
    );

    expect(answered(outcome).status).toBe(200);
    expect(await page.locator('#user-name').textContent()).toBe(demoUser('u9').name);
    expect(await page.locator('#complete').textContent()).toBe('true');
    expect(await page.locator('#request-id').textContent()).toMatch(/^[A-Za-z0-9._:-]+$/);
    await mkdir(join(DASHBOARD_SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: DASHBOARD_SCREENSHOT, fullPage: true });
  });

  it('fails every fetch with a TypeError on a page whose origin is not in CORS_ORIGINS', async () => {
    const page = await open(otherSite);

    // Preflighted (the Authorization header): the preflight answer names no origin, so the request is never sent.
    const preflighted = await call(page, '/web/dashboard', { headers: signedIn('u9'), cache: 'no-store' });
    // Simple (no custom header): the request is sent and answered, but the browser withholds the answer.
    const simple = await call(page, '/health', { cache: 'no-store' });

    expect(preflighted).toMatchObject({ error: 'TypeError' });
    expect(simple).toMatchObject({ error: 'TypeError' });
  });
});
