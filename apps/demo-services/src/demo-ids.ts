/**
 * The ids the demo services accept: those the gateway lets a token name
 * (`auth0|abc`, `ana@example.com`), but never `.` or `..`, which a path
 * segment would climb out of.
 */
export const USER_ID_PATTERN = /^(?!\.\.?$)[A-Za-z0-9_.:@|-]{1,128}$/;

/** Ids with this prefix never exist, which gives tests a deterministic not-found user (`missing-1`). */
export const MISSING_USER_PREFIX = 'missing';

/** Every well-formed id is a user, generated on demand, except the `missing` ones. */
export function isKnownUserId(id: string): boolean {
  return USER_ID_PATTERN.test(id) && !id.startsWith(MISSING_USER_PREFIX);
}

/**
 * The generators serve existing users only; routes check {@link isKnownUserId} first, so reaching this
 * means a test or caller asked for a user that cannot exist, which should fail loudly.
 */
export function assertKnownUserId(id: string): void {
  if (!isKnownUserId(id)) {
    throw new RangeError(`no demo user has the id ${JSON.stringify(id)}`);
  }
}
