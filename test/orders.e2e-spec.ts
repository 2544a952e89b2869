import {
  DEMO_USER_WITH_MANY_ORDERS,
  demoOrderPage,
  demoOrders,
  demoUser,
} from '../apps/demo-services/src/demo-data.js';
import { FakeUpstream } from './support/fake-upstream.js';
import { expectProblem } from './support/problem.js';
import { startStack, type Stack } from './support/stack.js';
import { bearer } from './support/tokens.js';

const many = DEMO_USER_WITH_MANY_ORDERS;

describe('order history and detail', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  const get = (base: string, path: string, sub = many): Promise<Response> =>
    fetch(`${base}${path}`, { headers: bearer(sub) });

  describe('GET /web/orders', () => {
    it('gives the first 20 orders, newest first, with a cursor to the next page', async () => {
      const response = await get(stack.webUrl, '/web/orders');
      expect(response.status).toBe(200);
      const page = await response.json();
      const expected = demoOrderPage({ userId: many, limit: 20, position: 0, status: undefined });
      expect(page.items.map((order: { id: string }) => order.id)).toEqual(
        expected.items.map((order) => order.id),
      );
      expect(page.items[0]).toEqual({
        id: expected.items[0].id,
        status: expected.items[0].status,
        total: expected.items[0].total,
        placedAt: expected.items[0].createdAt,
        itemCount: expected.items[0].lines.reduce((sum, line) => sum + line.qty, 0),
        lineCount: expected.items[0].lines.length,
      });
      expect(page.nextCursor).toEqual(expect.any(String));
    });

    it('takes empty parameters as left out, as clients send a first page with a null cursor', async () => {
      const [empty, plain] = await Promise.all([
        get(stack.webUrl, '/web/orders?cursor=&limit=&status='),
        get(stack.webUrl, '/web/orders'),
      ]);
      expect(empty.status).toBe(200);
      expect(await empty.json()).toEqual(await plain.json());
      expect((await get(stack.mobileUrl, '/mobile/orders?cursor=')).status).toBe(200);
    });

    it('walks every order exactly once by following the cursors', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string =
          cursor === null ? '?limit=50' : `?limit=50&cursor=${encodeURIComponent(cursor)}`;
        const page = await (await get(stack.webUrl, `/web/orders${query}`)).json();
        seen.push(...page.items.map((order: { id: string }) => order.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(demoOrders(many).map((order) => order.id));
    });

    it('filters by status', async () => {
      const page = await (await get(stack.webUrl, '/web/orders?status=delivered&limit=50')).json();
      expect(page.items.length).toBeGreaterThan(0);
      expect(page.items.every((order: { status: string }) => order.status === 'delivered')).toBe(true);
    });

    it("refuses another user's cursor, or one of another status filter, instead of skipping orders", async () => {
      const page = await (await get(stack.webUrl, '/web/orders?limit=5')).json();
      expect(page.nextCursor).not.toBeNull();
      const cursor = encodeURIComponent(page.nextCursor);

      for (const [path, sub] of [
        [`/web/orders?limit=5&cursor=${cursor}`, 'u1'],
        [`/web/orders?limit=5&status=paid&cursor=${cursor}`, many],
      ]) {
        const body = await expectProblem(await get(stack.webUrl, path, sub), 400);
        expect(body.errors).toEqual([{ field: 'cursor', message: 'must be a cursor from a previous page' }]);
      }
      expect((await get(stack.webUrl, `/web/orders?limit=5&cursor=${cursor}`)).status).toBe(200);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=51', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=0x10', 'limit'],
      ['limit=1e1', 'limit'],
      ['limit=5.0', 'limit'],
      ['limit=99999999999999999999', 'limit'],
      ['status=lost', 'status'],
      ['cursor=%20', 'cursor'],
      ['sort=asc', 'sort'],
    ])('answers ?%s with a 400 problem naming %s', async (query, field) => {
      const body = await expectProblem(await get(stack.webUrl, `/web/orders?${query}`), 400);
      expect((body.errors as Array<{ field: string }>).map((error) => error.field)).toEqual([field]);
    });
  });

  describe('GET /web/orders/:id', () => {
    it("shows the caller's order with its lines and who placed it", async () => {
      const [order] = demoOrders('u1');
      const response = await get(stack.webUrl, `/web/orders/${order.id}`, 'u1');
      expect(response.status).toBe(200);
      const body = await response.json();
      const user = demoUser('u1');
      expect(body).toMatchObject({
        id: order.id,
        status: order.status,
        total: order.total,
        placedAt: order.createdAt,
        customer: { id: 'u1', name: user.name, email: user.email, tier: user.tier },
      });
      expect(body.lines).toEqual(
        order.lines.map((line) => ({
          ...line,
          lineTotal: { amount: line.unitPrice.amount * line.qty, currency: line.unitPrice.currency },
        })),
      );
    });

    it("answers someone else's order exactly like one that does not exist", async () => {
      const [foreign] = demoOrders('u1');
      const other = await expectProblem(await get(stack.webUrl, `/web/orders/${foreign.id}`, 'u2'), 404);
      const missing = await expectProblem(await get(stack.webUrl, '/web/orders/o-u2-99999', 'u2'), 404);
      expect(other.detail).toBe(missing.detail);
      expect(other.title).toBe(missing.title);
    });

    it('never sends a malformed id upstream', async () => {
      stack.demo.faults.order.resetCount();
      await expectProblem(await get(stack.webUrl, '/web/orders/..%2F..%2Fusers%2Fu1', 'u1'), 404);
      await expectProblem(await get(stack.webUrl, '/web/orders/a%20b', 'u1'), 404);
      expect(stack.demo.faults.order.requestCount()).toBe(0);
    });
  });

  describe('users whose ids an identity provider shaped', () => {
    it.each(['auth0|5f7c8ec7c33c6c004bbafe82', 'ana.lima@example.com'])(
      'serves %s the profile, the order history and an order',
      async (sub) => {
        const [order] = demoOrders(sub);
        const profile = await get(stack.mobileUrl, '/mobile/profile', sub);
        expect(profile.status).toBe(200);
        expect((await profile.json()).user.name).toBe(demoUser(sub).name);

        const page = await (await get(stack.mobileUrl, '/mobile/orders', sub)).json();
        expect(page.items.map((item: { id: string }) => item.id)).toEqual(
          demoOrderPage({ userId: sub, limit: 10, position: 0, status: undefined }).items.map(
            (item) => item.id,
          ),
        );

        const detail = await get(stack.webUrl, `/web/orders/${encodeURIComponent(order.id)}`, sub);
        expect(detail.status).toBe(200);
        expect((await detail.json()).id).toBe(order.id);
      },
    );
  });

  describe('GET /mobile/orders', () => {
    it('gives a compact page of ten and the next cursor', async () => {
      const page = await (await get(stack.mobileUrl, '/mobile/orders')).json();
      const expected = demoOrderPage({ userId: many, limit: 10, position: 0, status: undefined });
      expect(page.items).toEqual(
        expected.items.map((order) => ({
          id: order.id,
          status: order.status,
          total: order.total,
          placedAt: order.createdAt,
          itemCount: order.lines.reduce((sum, line) => sum + line.qty, 0),
        })),
      );
      const next = await (
        await get(stack.mobileUrl, `/mobile/orders?cursor=${encodeURIComponent(page.nextCursor)}`)
      ).json();
      expect(next.items[0].id).toBe(
        demoOrderPage({ userId: many, limit: 10, position: 10, status: undefined }).items[0].id,
      );
    });

    it("shows the caller's order compactly, and someone else's as not found", async () => {
      const [order] = demoOrders('u1');
      const body = await (await get(stack.mobileUrl, `/mobile/orders/${order.id}`, 'u1')).json();
      expect(body).toEqual({
        id: order.id,
        status: order.status,
        total: order.total,
        placedAt: order.createdAt,
        items: order.lines.map((line) => ({
          name: line.name,
          qty: line.qty,
          price: { amount: line.unitPrice.amount * line.qty, currency: line.unitPrice.currency },
        })),
      });
      await expectProblem(await get(stack.mobileUrl, `/mobile/orders/${order.id}`, 'u2'), 404);
    });
  });
});

describe("order history over an order service whose cursors are not the demo's", () => {
  let orders: FakeUpstream;
  let stack: Stack;
  /** The cursor the fake service hands out after page `n`, in the test's current style. */
  let cursorAfter: (n: number) => string | null;

  beforeAll(async () => {
    orders = await FakeUpstream.start();
    orders.respond((request) => {
      const query = new URL(request.url ?? '/', 'http://fake').searchParams;
      const userId = query.get('userId') ?? '';
      const cursor = query.get('cursor');
      const page = cursor === null ? 0 : Number(/^p(\d+)/.exec(cursor)?.[1] ?? Number.NaN);
      const items = demoOrders(userId).slice(page * 2, page * 2 + 2);
      return { kind: 'json', body: { items, nextCursor: page < 2 ? cursorAfter(page + 1) : null } };
    });
    stack = await startStack({ ORDER_SERVICE_URL: orders.url });
  });
  afterAll(async () => {
    await stack.close();
    await orders.close();
  });

  async function walk(
    base: string,
    path: string,
  ): Promise<{ pages: number; status: number; cursors: string[] }> {
    const cursors: string[] = [];
    let pages = 0;
    for (let cursor: string | null = null; ; pages += 1) {
      const query: string =
        cursor === null ? '' : `${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;
      const response = await fetch(`${base}${path}${query}`, { headers: bearer(many) });
      if (response.status !== 200 || pages > 5) {
        return { pages, status: response.status, cursors };
      }
      cursor = ((await response.json()) as { nextCursor: string | null }).nextCursor;
      if (cursor === null) {
        return { pages: pages + 1, status: 200, cursors };
      }
      cursors.push(cursor);
    }
  }

  it.each([
    ['standard base64', (n: number) => `p${n}+/x==`],
    ['a dot', (n: number) => `p${n}.abc`],
    ['600 characters', (n: number) => `p${n}${'A'.repeat(600)}`],
  ])('pages through to the end when its cursors hold %s', async (_style, style) => {
    cursorAfter = style;
    for (const [base, path] of [
      [stack.webUrl, '/web/orders?limit=2'],
      [stack.mobileUrl, '/mobile/orders'],
    ] as const) {
      const walked = await walk(base, path);
      expect(walked).toEqual({ pages: 3, status: 200, cursors: [style(1), style(2)] });
    }
  });

  it('ends the list at an empty nextCursor rather than sending the client back to the first page', async () => {
    cursorAfter = () => '';
    const page = await (await fetch(`${stack.webUrl}/web/orders?limit=2`, { headers: bearer(many) })).json();
    expect(page.nextCursor).toBeNull();
  });

  it('answers 502 for a nextCursor it could not take back, rather than handing it out', async () => {
    cursorAfter = () => 'has a space';
    await expectProblem(await fetch(`${stack.webUrl}/web/orders?limit=2`, { headers: bearer(many) }), 502);
  });
});
