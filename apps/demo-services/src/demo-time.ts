/**
 * The instant all demo data is generated relative to. Fixed rather than read from the clock, so the
 * same id yields the same timestamps in every process and every run.
 */
export const DEMO_NOW_MS = Date.UTC(2025, 9, 1);

export const SECOND_MS = 1000;
export const DAY_MS = 86_400 * SECOND_MS;
