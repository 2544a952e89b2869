import { ProblemError } from '@app/problem';
import { jsonDepth, MAX_RELAY_DEPTH, relayBody } from './relay-body.js';

function nested(depth: number): unknown {
  return JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
}

describe(jsonDepth.name, () => {
  it('counts nesting of arrays and objects, not scalars', () => {
    expect(jsonDepth(7)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [1, { b: null }] })).toBe(3);
  });

  it('stops counting just past the limit, however deep the value goes', () => {
    expect(jsonDepth(nested(30_000))).toBe(MAX_RELAY_DEPTH + 1);
  });
});

describe(relayBody.name, () => {
  it('relays whatever JSON the client sent as JSON text, scalars included', () => {
    expect(relayBody({ name: 'x', tags: ['a'] })).toBe('{"name":"x","tags":["a"]}');
    expect(relayBody(7)).toBe('7');
    expect(relayBody(null)).toBe('null');
    expect(relayBody('text')).toBe('"text"');
  });

  it('relays no body when the client sent none', () => {
    expect(relayBody(undefined)).toBeUndefined();
  });

  it('relays a body nested exactly to the limit', () => {
    expect(relayBody(nested(MAX_RELAY_DEPTH))).toHaveLength(2 * MAX_RELAY_DEPTH);
  });

  it('refuses a deeper body with a 400 problem instead of overflowing the stack', () => {
    const refusal = (() => {
      try {
        relayBody(nested(30_000));
      } catch (error) {
        return error;
      }
      return undefined;
    })();

    expect(refusal).toBeInstanceOf(ProblemError);
    expect(refusal).toMatchObject({ kind: 'validation', status: 400 });
  });
});
