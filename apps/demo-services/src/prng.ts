/** A source of floats in [0, 1), like Math.random but repeatable from a seed. */
export type Random = () => number;

/** 32-bit FNV-1a: stable across processes and Node versions, so an id hashes to the same seed everywhere. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a few integer operations per draw, which matters at benchmark rates; fine for demo data, not for secrets. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * One independent stream per facet (`seededRandom(userId, 'order', 7)`), so adding a field to one
 * generator never shifts the values of another.
 */
export function seededRandom(...parts: readonly (string | number)[]): Random {
  return mulberry32(fnv1a(parts.join('#')));
}

/** A whole number from min to max, both included. */
export function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** Picks a value with probability proportional to its weight. */
export function weighted<T>(random: Random, choices: readonly (readonly [value: T, weight: number])[]): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of choices) {
    roll -= weight;
    if (roll < 0) {
      return value;
    }
  }
  // Only reachable through floating-point rounding on the last choice.
  return choices[choices.length - 1][0];
}

/** `count` different items in random order (a partial Fisher-Yates shuffle of a copy). */
export function pickDistinct<T>(random: Random, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  for (let i = 0; i < count && i < pool.length; i++) {
    const j = intBetween(random, i, pool.length - 1);
    [pool[i], pool[j]] = [pool[j], pool[i]];
    chosen.push(pool[i]);
  }
  return chosen;
}
