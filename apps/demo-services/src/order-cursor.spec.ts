import { decodeOrderCursor, encodeOrderCursor } from './order-cursor.js';

describe('order cursor', () => {
  it('decodes the position it encoded', () => {
    for (const position of [1, 20, 399, 123_456]) {
      expect(decodeOrderCursor(encodeOrderCursor(position))).toBe(position);
    }
  });

  it('is base64url text that does not show the position in clear', () => {
    const cursor = encodeOrderCursor(40);
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
      `${encodeOrderCursor(40)}=`,
      `${encodeOrderCursor(40)}.`,
    ];
    for (const cursor of forged) {
      expect(decodeOrderCursor(cursor)).toBeUndefined();
    }
  });
});
