import { z } from 'zod';
import { ContractBreach, expectAnswer } from './expected-answer.js';
import { orderPageSchema, toOrderSummaryPage, userSchema } from './models.js';

const user = () => ({
  id: 'u1',
  name: 'Ada',
  email: 'ada@example.com',
  avatarUrl: null,
  tier: 'gold',
  createdAt: '2024-05-01T10:00:00.000Z',
});

const page = () => ({
  items: [
    {
      id: 'o1',
      userId: 'u1',
      status: 'paid',
      total: { amount: 2500, currency: 'EUR' },
      lines: [
        { sku: 'a', name: 'A', qty: 2, unitPrice: { amount: 500, currency: 'EUR' } },
        { sku: 'b', name: 'B', qty: 3, unitPrice: { amount: 500, currency: 'EUR' } },
      ],
      createdAt: '2024-05-01T10:00:00.000Z',
    },
  ],
  nextCursor: null,
});

describe(expectAnswer.name, () => {
  const users = expectAnswer(userSchema, 'The user');
  const pages = expectAnswer(orderPageSchema, 'The order list', toOrderSummaryPage);

  it('hands on a body that fits, without the fields an upstream added that the contract does not name', () => {
    const body = { ...user(), passwordHash: 'x', internal: { shard: 3 } };

    expect(users.read(body, 200)).toEqual(user());
  });

  it('leaves out unknown fields at every depth, inside arrays too, so none can leak into an answer', () => {
    const body = page();
    Object.assign(body.items[0], { warehouse: 'w1' });
    Object.assign(body.items[0].total, { fxRate: 1.1 });
    Object.assign(body.items[0].lines[0].unitPrice, { cost: 120 });

    expect(expectAnswer(orderPageSchema, 'The order list').read(body, 200)).toEqual(page());
  });

  it('gives callers the shaped answer: an order page as summaries', () => {
    expect(pages.read(page(), 200)).toEqual({
      items: [
        {
          id: 'o1',
          status: 'paid',
          total: { amount: 2500, currency: 'EUR' },
          createdAt: '2024-05-01T10:00:00.000Z',
          itemCount: 5,
          lineCount: 2,
        },
      ],
      nextCursor: null,
    });
  });

  it("gives the same summaries as zod's own parse of the page, mapped alike, which the benchmark checks answers with", () => {
    expect(pages.read(page(), 200)).toEqual(toOrderSummaryPage(orderPageSchema.parse(page())));
  });

  it.each([
    ['a required field missing', () => ({ ...user(), email: undefined })],
    ['a field of the wrong type', () => ({ ...user(), tier: 3 })],
    ['an empty id', () => ({ ...user(), id: '' })],
    ['null where the contract has no null', () => ({ ...user(), name: null })],
    ['an array instead of an object', () => [user()]],
    ['no body at all', () => undefined],
  ])('refuses a user with %s', (_case, body) => {
    expect(users.read(body(), 200)).toBeInstanceOf(ContractBreach);
  });

  it.each([
    ['a negative quantity', (body: ReturnType<typeof page>) => (body.items[0].lines[0].qty = -1)],
    ['a fractional amount', (body: ReturnType<typeof page>) => (body.items[0].total.amount = 12.5)],
    ['an unknown status', (body: ReturnType<typeof page>) => (body.items[0].status = 'lost')],
    [
      'a line without its price',
      (body: ReturnType<typeof page>) =>
        delete (body.items[0].lines[1] as Partial<(typeof body.items)[0]['lines'][1]>).unitPrice,
    ],
  ])('refuses an order page with %s', (_case, spoil) => {
    const body = page();
    spoil(body);

    expect(pages.read(body, 200)).toBeInstanceOf(ContractBreach);
  });

  it('says where a body breaks the contract, for the logs', () => {
    const body = page();
    body.items[0].lines[0].qty = -1;

    expect((pages.read(body, 200) as ContractBreach).message).toBe('/items/0/lines/0/qty must be >= 0');
  });

  it('takes any JSON at all for a contract of unknown, untouched', () => {
    const anything = expectAnswer(z.unknown(), 'The resource');
    const body = { a: 1, nested: { b: [1, { c: 2 }] } };

    expect(anything.read(body, 200)).toEqual({ a: 1, nested: { b: [1, { c: 2 }] } });
    expect(anything.read('text', 200)).toBe('text');
    expect(anything.read(null, 200)).toBeNull();
  });

  it('refuses at start-up a contract that JSON Schema cannot hold, rather than leaving it unchecked', () => {
    expect(() =>
      expectAnswer(
        userSchema.transform((body) => body.id),
        'The user',
      ),
    ).toThrow(/Transforms/);
  });
});
