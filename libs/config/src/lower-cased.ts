/** For z.preprocess: yes/no words are read in any case (`False`, `TRUE`), as operators write them. */
export function lowerCased(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value;
}
