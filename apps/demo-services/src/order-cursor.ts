import { createHash } from 'node:crypto';

const CURSOR_TEXT = /^p([1-9][0-9]{0,5})\.([A-Za-z0-9_-]{8})$/;

/** The list a cursor was issued for: one user's orders, all of them or one status's. */
export interface CursorScope {
  userId: string;
  status: string | undefined;
}

/** Eight characters that tell lists apart, so a cursor only continues the list it came from. */
function scopeTag({ userId, status }: CursorScope): string {
  return createHash('sha256')
    .update(`${userId}\n${status ?? ''}`)
    .digest('base64url')
    .slice(0, 8);
}

/**
 * Cursors are opaque to clients: base64url of a position and of the list
 * it belongs to, so nobody builds on their format, and a cursor of another
 * user's list or another status's is refused rather than silently skipping
 * that many orders of this one.
 */
export function encodeOrderCursor(position: number, scope: CursorScope): string {
  return Buffer.from(`p${position}.${scopeTag(scope)}`).toString('base64url');
}

/** The position in a cursor, or undefined when the text is not a cursor this service issued for this list. */
export function decodeOrderCursor(cursor: string, scope: CursorScope): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = CURSOR_TEXT.exec(text);
  // Node decodes base64url leniently, so only a cursor that encodes back to itself is accepted.
  if (match === null || encodeOrderCursor(Number(match[1]), scope) !== cursor) {
    return undefined;
  }
  return Number(match[1]);
}
