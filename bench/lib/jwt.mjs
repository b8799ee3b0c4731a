// HS256 bearer tokens for the benchmark's users, signed with the JWT_SECRET the runner
// hands to the API. Written with node:crypto so the runner does not depend on the API's
// own token helper, which may not exist yet while the API is being built.
import { createHmac } from 'node:crypto';

const base64url = (value) => Buffer.from(value).toString('base64url');

/** A compact JWT for `sub`, valid for ttlSeconds from now (the API requires `exp`). */
export function signToken(secret, sub, ttlSeconds) {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ sub, iat: nowSeconds, exp: nowSeconds + ttlSeconds }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
