import { describe, expect, it } from 'vitest';
import { orderSummaryPageSchema } from './models.js';

const page = {
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
  nextCursor: 'next',
};

describe('orderSummaryPageSchema', () => {
  it('hands a page on with each order’s units and lines counted, and the lines themselves left out', () => {
    expect(orderSummaryPageSchema.parse(page)).toEqual({
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
      nextCursor: 'next',
    });
  });

  it('still refuses a page whose lines break the order service’s contract', () => {
    const broken = { ...page, items: [{ ...page.items[0], lines: [{ sku: 'a', name: 'A', qty: -1 }] }] };
    expect(orderSummaryPageSchema.safeParse(broken).success).toBe(false);
  });
});
