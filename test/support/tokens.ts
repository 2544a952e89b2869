import jwt from 'jsonwebtoken';

/** The secret every e2e stack verifies with; tokens are minted here exactly as an identity provider would. */
export const TEST_JWT_SECRET = 'e2e-secret-that-is-long-enough-for-production-rules';
export const TEST_ISSUER = 'https://idp.e2e.test';
export const TEST_AUDIENCE = 'bff-gateway';

export interface TokenClaims {
  sub: string;
  roles?: string[];
  expiresInSeconds?: number;
  issuer?: string;
  audience?: string;
  secret?: string;
}

export function mintToken(claims: TokenClaims): string {
  return jwt.sign({ roles: claims.roles ?? [] }, claims.secret ?? TEST_JWT_SECRET, {
    algorithm: 'HS256',
    subject: claims.sub,
    expiresIn: claims.expiresInSeconds ?? 300,
    issuer: claims.issuer ?? TEST_ISSUER,
    audience: claims.audience ?? TEST_AUDIENCE,
  });
}

export function bearer(sub: string): Record<string, string> {
  return { authorization: `Bearer ${mintToken({ sub })}` };
}
