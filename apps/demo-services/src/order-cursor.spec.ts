import { decodeOrderCursor, encodeOrderCursor } from './order-cursor.js';

const scope = { userId: 'u8', status: undefined };

describe('order cursor', () => {
  it('decodes the position it encoded', () => {
    for (const position of [1, 20, 399, 123_456]) {
      expect(decodeOrderCursor(encodeOrderCursor(position, scope), scope)).toBe(position);
    }
  });

  it('is base64url text that does not show the position in clear', () => {
    const cursor = encodeOrderCursor(40, scope);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('40');
  });

  it('rejects text it did not issue', () => {
    const forged = [
      '',
      'garbage!',
      Buffer.from('p0').toString('base64url'),
      Buffer.from('p-1').toString('base64url'),
      Buffer.from('p01').toString('base64url'),
      Buffer.from('40').toString('base64url'),
      `${encodeOrderCursor(40, scope)}=`,
      `${encodeOrderCursor(40, scope)}.`,
    ];
    for (const cursor of forged) {
      expect(decodeOrderCursor(cursor, scope)).toBeUndefined();
    }
  });

  it("refuses a cursor issued for another user's list or another status filter", () => {
    const cursor = encodeOrderCursor(40, scope);
    expect(decodeOrderCursor(cursor, { userId: 'u1', status: undefined })).toBeUndefined();
    expect(decodeOrderCursor(cursor, { userId: 'u8', status: 'paid' })).toBeUndefined();
    expect(
      decodeOrderCursor(encodeOrderCursor(40, { userId: 'u8', status: 'paid' }), {
        userId: 'u8',
        status: 'paid',
      }),
    ).toBe(40);
  });
});
