import type { FaultKnobs } from '@app/config';
import { FaultController } from './fault-controller.js';

const STARTING_KNOBS: FaultKnobs = {
  latencyMs: 25,
  errorRate: 0,
  down: false,
  malformed: false,
  hang: false,
};

describe('FaultController', () => {
  it('merges a partial update and leaves the other knobs alone', () => {
    const faults = new FaultController(STARTING_KNOBS);
    expect(faults.set({ down: true })).toEqual({ ...STARTING_KNOBS, down: true });
    expect(faults.set({ errorRate: 0.5 })).toEqual({ ...STARTING_KNOBS, down: true, errorRate: 0.5 });
  });

  it('resets to the knobs it started with, not to zero', () => {
    const faults = new FaultController(STARTING_KNOBS);
    faults.set({ latencyMs: 0, hang: true });
    expect(faults.reset()).toEqual(STARTING_KNOBS);
  });

  it('hands out copies, so a caller cannot change the knobs behind its back', () => {
    const knobs = { ...STARTING_KNOBS };
    const faults = new FaultController(knobs);
    knobs.down = true;
    faults.get().hang = true;
    expect(faults.get()).toEqual(STARTING_KNOBS);
  });

  it('counts requests until the count is reset', () => {
    const faults = new FaultController(STARTING_KNOBS);
    faults.countRequest();
    faults.countRequest();
    expect(faults.requestCount()).toBe(2);
    faults.resetCount();
    expect(faults.requestCount()).toBe(0);
  });
});
