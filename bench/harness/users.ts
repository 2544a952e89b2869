import jwt from 'jsonwebtoken';
import { createSecretKey } from 'node:crypto';

/** The identity provider of the run: the product and the baseline verify with the same secret, issuer and audience. */
export const BENCH_AUTH = {
  secret: 'bench-secret-that-is-long-enough-for-production-rules',
  issuer: 'https://idp.bench.test',
  audience: 'bff-gateway',
};

export interface BenchUser {
  sub: string;
  authorization: string;
}

/**
 * Signs with a KeyObject: handed the secret as a string, jsonwebtoken spends
 * about 0.3 ms per token re-parsing it, which would make minting a few
 * hundred thousand fresh users take longer than the run.
 */
const key = createSecretKey(Buffer.from(BENCH_AUTH.secret));

export function benchUser(sub: string): BenchUser {
  const token = jwt.sign({ roles: [] }, key, {
    algorithm: 'HS256',
    subject: sub,
    expiresIn: 3600,
    issuer: BENCH_AUTH.issuer,
    audience: BENCH_AUTH.audience,
  });
  return { sub, authorization: `Bearer ${token}` };
}

export interface UserSource {
  next(): BenchUser;
}

/**
 * Users never seen before, one per request (the cache-miss scenarios): ids
 * are `bench-<run>-<scenario>-<n>` from one counter per scenario, shared by
 * every target and round, so no user is ever asked for twice. `prepare`
 * signs ahead of a round so signing does not compete with the load; a
 * round that outruns its batch signs the rest as it goes.
 */
export class FreshUsers implements UserSource {
  private readonly ready: BenchUser[] = [];
  private readIndex = 0;
  private minted = 0;

  constructor(private readonly prefix: string) {}

  prepare(count: number): void {
    this.ready.splice(0, this.readIndex);
    this.readIndex = 0;
    while (this.ready.length < count) {
      this.ready.push(this.mint());
    }
  }

  next(): BenchUser {
    return this.readIndex < this.ready.length ? this.ready[this.readIndex++] : this.mint();
  }

  private mint(): BenchUser {
    this.minted += 1;
    return benchUser(`${this.prefix}-${this.minted}`);
  }
}

/** A fixed population asked for in turn (the cache-hit scenario), signed once. */
export class UserPool implements UserSource {
  readonly users: readonly BenchUser[];
  private index = 0;

  constructor(prefix: string, size: number) {
    this.users = Array.from({ length: size }, (_, n) => benchUser(`${prefix}-${n + 1}`));
  }

  next(): BenchUser {
    const user = this.users[this.index];
    this.index = (this.index + 1) % this.users.length;
    return user;
  }
}
