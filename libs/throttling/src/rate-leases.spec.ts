import type { WindowSpend } from './rate-counter.js';
import { RateLeases } from './rate-leases.js';

const START = 1_000_000;

const windows = (user: string, cost = 3): WindowSpend[] => [
  { key: `burst:${user}`, cost, windowMs: 1_000, limit: 1_000_000, blockMs: 1_000 },
  { key: `sustained:${user}`, cost, windowMs: 60_000, limit: 100_000_000, blockMs: 60_000 },
];

/** What Redis answers a request of cost 3 that was the caller's `spent` units in each window, with `granted` leased on top. */
const standing = (spent: number, granted: number, burstResetInMs = 800, sustainedResetInMs = 50_000) => ({
  counters: [
    { hits: spent, resetInMs: burstResetInMs, blocked: false, blockedForMs: 0 },
    { hits: spent, resetInMs: sustainedResetInMs, blocked: false, blockedForMs: 0 },
  ],
  granted,
});

describe(RateLeases.name, () => {
  it('admits a caller on its lease until the units run out, each answer counting what the caller spent', () => {
    const leases = new RateLeases();
    leases.record(windows('ada'), START, standing(6, 9));

    const spent = [1, 2, 3, 4].map((at) => leases.spend(windows('ada'), START + at * 10));

    expect(spent.map((counters) => counters?.map((counter) => counter.hits))).toEqual([
      [9, 9],
      [12, 12],
      [15, 15],
      undefined,
    ]);
    expect(spent[0]?.[0]).toEqual({ hits: 9, resetInMs: 790, blocked: false, blockedForMs: 0 });
    expect(spent[0]?.[1].resetInMs).toBe(49_990);
  });

  it('sends a caller to Redis once its shortest window starts again, and after a second at the latest', () => {
    const leases = new RateLeases();
    leases.record(windows('bob'), START, standing(3, 60, 400));
    expect(leases.spend(windows('bob'), START + 399)).toBeDefined();
    expect(leases.spend(windows('bob'), START + 400)).toBeUndefined();

    leases.record(windows('cy'), START, standing(3, 60, 5_000, 50_000));
    expect(leases.spend(windows('cy'), START + 999)).toBeDefined();
    expect(leases.spend(windows('cy'), START + 1_000)).toBeUndefined();
  });

  it('gives back what an ended lease did not spend, once, and only to the windows still running', () => {
    const leases = new RateLeases();
    leases.record(windows('dee'), START, standing(3, 30, 400));
    leases.spend(windows('dee'), START + 100);

    expect(leases.giveBack(windows('dee'), START + 500)).toEqual([0, 27]);
    expect(leases.giveBack(windows('dee'), START + 500)).toBeUndefined();
    expect(leases.spend(windows('dee'), START + 100)).toBeUndefined();
  });

  it('keeps the units of a lease still running when another is granted, so none are lost', () => {
    const leases = new RateLeases();
    leases.record(windows('eve'), START, standing(3, 6));
    // A second request counted in Redis in the same moment: its count includes the first lease.
    leases.record(windows('eve'), START + 1, standing(12, 6));

    const spent = [1, 2, 3, 4].map(() => leases.spend(windows('eve'), START + 2)?.[0].hits);
    expect(spent).toEqual([9, 12, 15, 18]);
    expect(leases.spend(windows('eve'), START + 2)).toBeUndefined();
  });

  it('never spends from a lease for another set of windows, or for a request whose windows cost differently', () => {
    const leases = new RateLeases();
    leases.record(windows('fay'), START, standing(3, 30));

    expect(leases.spend(windows('fay').slice(0, 1), START + 1)).toBeUndefined();
    const uneven = windows('fay');
    uneven[1] = { ...uneven[1], cost: 1 };
    expect(leases.spend(uneven, START + 1)).toBeUndefined();
    expect(leases.spend([], START + 1)).toBeUndefined();
    expect(leases.spend(windows('fay'), START + 1)?.[0].hits).toBe(6);
  });

  it('never admits on a lease a request to a route with a limit of its own, though it counts in the same window', () => {
    const leases = new RateLeases();
    leases.record(windows('ida'), START, standing(3, 30));
    const strict = windows('ida');
    strict[0] = { ...strict[0], limit: 5 };

    expect(leases.spend(strict, START + 1)).toBeUndefined();
    // Counted in Redis, it takes the lease's units back with it, so its own limit sees what was spent.
    expect(leases.giveBack(strict, START + 1)).toEqual([30, 30]);
    expect(leases.spend(windows('ida'), START + 1)).toBeUndefined();
  });

  it("tells how much of a window's count this instance holds unspent, until that window starts again", () => {
    const leases = new RateLeases();
    leases.record(windows('gus'), START, standing(3, 30, 400));
    leases.spend(windows('gus'), START + 1);

    expect(leases.unspent('burst:gus', START + 2)).toBe(27);
    expect(leases.unspent('sustained:gus', START + 2)).toBe(27);
    expect(leases.unspent('burst:gus', START + 400)).toBe(0);
    expect(leases.unspent('sustained:gus', START + 400)).toBe(27);
    expect(leases.unspent('burst:nobody', START)).toBe(0);
  });

  it("leaves a caller's running lease as it was when Redis counts a request of theirs without leasing more", () => {
    const leases = new RateLeases();
    leases.record(windows('new'), START, standing(3, 0));
    expect(leases.spend(windows('new'), START + 1)).toBeUndefined();
    expect(leases.giveBack(windows('new'), START + 1)).toBeUndefined();

    leases.record(windows('hal'), START, standing(3, 30));
    leases.record(windows('hal'), START + 1, standing(36, 0));

    expect(leases.spend(windows('hal'), START + 2)?.[0].hits).toBe(6);
    expect(leases.unspent('burst:hal', START + 2)).toBe(27);
  });
});
