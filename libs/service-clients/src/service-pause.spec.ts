import { ServicePause } from './service-pause.js';

describe(ServicePause.name, () => {
  function clock(startMs = 1_000_000): { now: () => number; advance: (ms: number) => void } {
    let now = startMs;
    return {
      now: () => now,
      advance: (ms) => {
        now += ms;
      },
    };
  }

  it('lets calls go until a service asks for a pause, and again once the pause is over', () => {
    const time = clock();
    const pause = new ServicePause(30_000, time.now);
    expect(pause.msLeft()).toBe(0);

    expect(pause.pause(5)).toBe(5_000);
    time.advance(4_000);
    expect(pause.msLeft()).toBe(1_000);
    time.advance(1_000);
    expect(pause.msLeft()).toBe(0);
  });

  it('never pauses longer than its limit, however long the service asks for', () => {
    const pause = new ServicePause(30_000, clock().now);

    expect(pause.pause(3_600)).toBe(30_000);
  });

  it('keeps the longer of two pauses asked for while one runs', () => {
    const time = clock();
    const pause = new ServicePause(30_000, time.now);
    pause.pause(10);
    time.advance(1_000);

    expect(pause.pause(2)).toBe(9_000);
    expect(pause.pause(20)).toBe(20_000);
  });
});
