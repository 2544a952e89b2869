const CURSOR_TEXT = /^p([1-9][0-9]{0,5})$/;

/** Cursors are opaque to clients: base64url of a position, so nobody builds on its format. */
export function encodeOrderCursor(position: number): string {
  return Buffer.from(`p${position}`).toString('base64url');
}

/** The position in a cursor, or undefined when the text is not a cursor this service issued. */
export function decodeOrderCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = CURSOR_TEXT.exec(text);
  // Node decodes base64url leniently, so only a cursor that encodes back to itself is accepted.
  if (match === null || encodeOrderCursor(Number(match[1])) !== cursor) {
    return undefined;
  }
  return Number(match[1]);
}
