/** What a page's `fetch` gave its script: the status, the headers the browser let it read, the parsed body. */
export interface BrowserAnswer {
  status: number;
  /** Only the headers CORS exposes to the page's script, by lower-case name. */
  headers: Record<string, string>;
  body: unknown;
}

/** A `fetch` that rejected, as the browser reports it: a TypeError when CORS withholds the answer. */
export interface BrowserFailure {
  error: string;
  message: string;
}

export type BrowserOutcome = BrowserAnswer | BrowserFailure;

/** A request as a page's script makes it; every field travels from the test into the page as JSON. */
export interface PageRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  cache?: RequestCache;
}

/** What the page's inline script puts on `window` for the test to drive through `page.evaluate`. */
export interface CorsProbe {
  call(url: string, request: PageRequest): Promise<BrowserOutcome>;
  /** Fetches `/web/dashboard` from `apiOrigin` and renders the user into the page. */
  showDashboard(apiOrigin: string, token: string): Promise<BrowserOutcome>;
}

export function isFailure(outcome: BrowserOutcome): outcome is BrowserFailure {
  return 'error' in outcome;
}

/**
 * A web app's page in miniature: plain `fetch` calls from an inline script,
 * no framework, so what the test sees is exactly what the browser allows a
 * page on another origin to do.
 */
export const CORS_PROBE_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Web dashboard (CORS probe)</title>
  <style>
    body { font-family: system-ui, sans-serif; margin: 2rem; color: #1d2733; }
    h1 { font-size: 1.4rem; margin-bottom: 0.25rem; }
    #origin { color: #5b6b7b; margin-top: 0; }
    dl { display: grid; grid-template-columns: max-content auto; gap: 0.4rem 1.5rem; }
    dt { font-weight: 600; }
    dd { margin: 0; font-family: ui-monospace, monospace; }
    #state { padding: 0.3rem 0.6rem; border-radius: 4px; display: inline-block; background: #eee; }
    #state.ok { background: #d8f3dc; }
    #state.failed { background: #ffd6d6; }
  </style>
</head>
<body>
  <h1>Web dashboard</h1>
  <p id="origin"></p>
  <p id="state">not loaded</p>
  <dl>
    <dt>Signed in as</dt><dd id="user-name"></dd>
    <dt>User id</dt><dd id="user-id"></dd>
    <dt>Email</dt><dd id="user-email"></dd>
    <dt>Tier</dt><dd id="user-tier"></dd>
    <dt>Theme</dt><dd id="theme"></dd>
    <dt>Orders on the first page</dt><dd id="order-count"></dd>
    <dt>X-Request-Id</dt><dd id="request-id"></dd>
    <dt>X-Response-Complete</dt><dd id="complete"></dd>
  </dl>
  <script>
    document.getElementById('origin').textContent = 'Page origin: ' + location.origin;

    async function call(url, request) {
      try {
        const response = await fetch(url, request);
        const headers = {};
        response.headers.forEach((value, name) => { headers[name] = value; });
        const text = await response.text();
        return { status: response.status, headers, body: text === '' ? null : JSON.parse(text) };
      } catch (error) {
        return { error: error.name, message: error.message };
      }
    }

    function show(id, value) {
      document.getElementById(id).textContent = value === undefined || value === null ? '' : String(value);
    }

    async function showDashboard(apiOrigin, token) {
      const outcome = await call(apiOrigin + '/web/dashboard', {
        headers: { authorization: 'Bearer ' + token },
        cache: 'no-store',
      });
      const state = document.getElementById('state');
      if (outcome.error || outcome.status !== 200) {
        state.className = 'failed';
        state.textContent = outcome.error ? outcome.error + ': ' + outcome.message : 'HTTP ' + outcome.status;
        return outcome;
      }
      const dashboard = outcome.body;
      state.className = 'ok';
      state.textContent = 'Loaded from ' + apiOrigin;
      show('user-name', dashboard.user.name);
      show('user-id', dashboard.user.id);
      show('user-email', dashboard.user.email);
      show('user-tier', dashboard.user.tier);
      show('theme', dashboard.preferences && dashboard.preferences.theme);
      show('order-count', dashboard.orders.items.length);
      show('request-id', outcome.headers['x-request-id']);
      show('complete', outcome.headers['x-response-complete']);
      return outcome;
    }

    window.corsProbe = { call, showDashboard };
  </script>
</body>
</html>
`;
