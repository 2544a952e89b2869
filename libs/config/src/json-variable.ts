import type { z } from 'zod';

/** JSON.parse's own message quotes the text it choked on, which may hold a secret: only "not JSON" survives. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The rules a part of a JSON variable broke, each once, in the order its schema reported them. */
export function rulesBroken(error: z.ZodError): string[] {
  return [...new Set(error.issues.map((issue) => issue.message))];
}
