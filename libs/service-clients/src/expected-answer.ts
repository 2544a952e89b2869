import { Ajv, type ErrorObject } from 'ajv';
import { z } from 'zod';

/** Why a 2xx body was refused: where it breaks the contract, for the logs; never shown to a client. */
export class ContractBreach extends Error {}

export interface ExpectedAnswer<T> {
  /** The body of a 2xx answer with `status`, in the shape callers get it, or why it breaks the upstream's contract. */
  read(body: unknown, status: number): T | ContractBreach;
  /**
   * What a 404 means, for the client: "The user", "The order"; undefined
   * for a resource that always exists (a list), whose 404 says the
   * upstream is not what it should be, a bad answer (502).
   */
  missing: string | undefined;
}

/*
 * The contracts are written in zod, which also types them; what checks a
 * body at run time is the same contract as JSON Schema, from zod's own
 * toJSONSchema, compiled once by ajv, the validator Fastify itself runs.
 * zod's safeParse walks a body through its generic parsers and builds a
 * copy of every object: 29 µs and 14 KB of a cache miss's three bodies in
 * the running gateway, against a sixth of the time in one function per
 * contract that checks in place, strips unknown fields in place (the body
 * is this call's own, fresh from JSON.parse) and allocates nothing for a
 * body that fits (bench/RESULTS.md).
 */
const ajv = new Ajv({ removeAdditional: 'all' });

function whereItBreaks(errors: ErrorObject[] | null | undefined): string {
  const [first] = errors ?? [];
  return first === undefined
    ? 'does not fit the contract'
    : `${first.instancePath || '(body)'} ${first.message}`;
}

/**
 * An answer checked against `schema`, then turned by `shape` into what
 * callers get. The schema describes JSON alone: a transform or a type JSON
 * has not fails here, at start-up, and a refinement would go unchecked
 * (zod leaves it out of JSON Schema), so contracts hold none; mapping is
 * `shape`'s job.
 */
export function expectAnswer<Body, T = Body>(
  schema: z.ZodType<Body>,
  missing: string | undefined,
  shape?: (body: Body) => T,
): ExpectedAnswer<T> {
  const fits = ajv.compile<Body>(z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'throw' }));
  return {
    missing,
    read(body) {
      if (!fits(body)) {
        return new ContractBreach(whereItBreaks(fits.errors));
      }
      return shape === undefined ? (body as unknown as T) : shape(body);
    },
  };
}

/**
 * `expected`, read for one user: a body that `owns` says is not theirs (an
 * upstream that mixed users up) breaks the contract, so it is neither
 * served nor cached, and the call fails as a bad answer (502) rather than
 * hand one user's data to another. Checked before `shape`, which may drop
 * the field that tells.
 */
export function expectOwnAnswer<Body, T = Body>(
  expected: ExpectedAnswer<Body>,
  owns: (body: Body) => boolean,
  shape: (body: Body) => T = (body) => body as unknown as T,
): ExpectedAnswer<T> {
  return {
    missing: expected.missing,
    read(body, status) {
      const value = expected.read(body, status);
      if (value instanceof ContractBreach) {
        return value;
      }
      return owns(value) ? shape(value) : new ContractBreach("holds another user's data");
    },
  };
}

/** What {@link withStatus} reads: the value, and the 2xx status it came with. */
export interface WithStatus<T> {
  status: number;
  value: T;
}

/**
 * `expected`, with the 2xx status the answer came with, for a caller that
 * passes it on: a relay's 201 Created or 204 No Content is the client's to
 * see, where an aggregate's sections only need the body.
 */
export function withStatus<T>(expected: ExpectedAnswer<T>): ExpectedAnswer<WithStatus<T>> {
  return {
    missing: expected.missing,
    read(body, status) {
      const value = expected.read(body, status);
      return value instanceof ContractBreach ? value : { status, value };
    },
  };
}
