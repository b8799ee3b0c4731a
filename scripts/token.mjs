// Prints a JWT for local use and tests: `npm run token -- --sub alice [--role admin] [--ttl 3600]`.
// Signed HS256 with JWT_SECRET (the API's key) or, when it is unset, the development secret
// `npm run start:dev` keeps in .dev/jwt-secret; `iss`/`aud` are added from JWT_ISSUER and
// JWT_AUDIENCE when set, so the token passes the API's checks. Never prints the secret.
import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import { readDevSecret } from './dev-secret.mjs';

/** Tokens live at most a day: a leaked development token should not outlive the day. */
const TTL_MAX_S = 86_400;

function fail(message) {
  process.stderr.write(`token: ${message}\n`);
  process.exit(1);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: 'string' },
      role: { type: 'string', multiple: true },
      ttl: { type: 'string', default: '3600' },
    },
    strict: true,
  }));
} catch (error) {
  fail(`${error.message.split('\n')[0]} (usage: npm run token -- --sub alice [--role admin] [--ttl 3600])`);
}

const secret = process.env.JWT_SECRET || readDevSecret();
if (!secret) {
  fail('JWT_SECRET is not set and .dev/jwt-secret is missing or too short: run `npm run start:dev` once, or set it');
}
if (Buffer.byteLength(secret) < 32) fail('JWT_SECRET must be at least 32 bytes');
if (!values.sub || values.sub.length > 255) fail('--sub <user id> is required (1-255 characters)');
if (!/^\d+$/.test(values.ttl) || Number(values.ttl) < 1 || Number(values.ttl) > TTL_MAX_S)
  fail(`--ttl must be 1-${TTL_MAX_S} seconds`);

const nowS = Math.floor(Date.now() / 1000);
const payload = { sub: values.sub, iat: nowS, exp: nowS + Number(values.ttl) };
if (values.role?.length) payload.roles = values.role;
if (process.env.JWT_ISSUER) payload.iss = process.env.JWT_ISSUER;
if (process.env.JWT_AUDIENCE) payload.aud = process.env.JWT_AUDIENCE;

process.stdout.write(`${createSigner({ key: secret, algorithm: 'HS256' })(payload)}\n`);
