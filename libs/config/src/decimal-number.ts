/** Digits with an optional sign and fraction: how the README writes every numeric variable. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * A numeric variable's text as a number when it is written in decimal,
 * else the text as it came, for the number schema to refuse. `Number()`,
 * which `z.coerce.number()` calls, also reads `0x220`, `1e3`, `0b1` and
 * `Infinity`: a typo it happens to read would quietly become another value.
 */
export function decimalNumber(value: unknown): unknown {
  return typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : value;
}
