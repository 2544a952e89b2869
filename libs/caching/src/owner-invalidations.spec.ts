import { describe, expect, it } from 'vitest';
import { MAX_INVALIDATED_OWNERS, OwnerInvalidations } from './owner-invalidations.js';

describe(OwnerInvalidations.name, () => {
  it("serves a user's entry written after their invalidation and not one written before", () => {
    const invalidations = new OwnerInvalidations();
    const before = { owner: 'ada', written: invalidations.now };
    invalidations.invalidate('ada');
    const after = { owner: 'ada', written: invalidations.now };

    expect(invalidations.isCurrent(before)).toBe(false);
    expect(invalidations.isCurrent(after)).toBe(true);
  });

  it("leaves other users' entries and entries of nobody's in particular current", () => {
    const invalidations = new OwnerInvalidations();
    const bob = { owner: 'bob', written: invalidations.now };
    const nobody = { written: invalidations.now };
    invalidations.invalidate('ada');

    expect(invalidations.isCurrent(bob)).toBe(true);
    expect(invalidations.isCurrent(nobody)).toBe(true);
    expect(invalidations.isCurrent({})).toBe(true);
  });

  it('keeps a second invalidation of the same user in force over entries written between the two', () => {
    const invalidations = new OwnerInvalidations();
    invalidations.invalidate('ada');
    const between = { owner: 'ada', written: invalidations.now };
    invalidations.invalidate('ada');

    expect(invalidations.isCurrent(between)).toBe(false);
  });

  it('keeps every invalidation in force past its bound on how many users it lists, at the price of older entries of other users', () => {
    const invalidations = new OwnerInvalidations();
    const ada = { owner: 'ada', written: invalidations.now };
    const bob = { owner: 'bob', written: invalidations.now };
    invalidations.invalidate('ada');
    for (let n = 0; n < MAX_INVALIDATED_OWNERS; n += 1) {
      invalidations.invalidate(`user-${n}`);
    }
    const carol = { owner: 'carol', written: invalidations.now };
    const adaAgain = { owner: 'ada', written: invalidations.now };

    expect(invalidations.isCurrent(ada)).toBe(false);
    expect(invalidations.isCurrent(bob)).toBe(false);
    expect(invalidations.isCurrent(carol)).toBe(true);
    expect(invalidations.isCurrent(adaAgain)).toBe(true);
  });
});
