// The development JWT secret shared by `npm run start:dev` (which creates it) and
// `npm run token` (which reads it): a git-ignored file, so a restart keeps tokens valid and
// nothing has to be copied between shells. Never used in production (which sets JWT_SECRET).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DEV_SECRET_PATH = fileURLToPath(new URL('../.dev/jwt-secret', import.meta.url));
/** The API refuses shorter HS256 secrets. */
const SECRET_BYTES_MIN = 32;

/** The stored secret, or undefined when there is none (or it is too short to be used). */
export function readDevSecret() {
  if (!existsSync(DEV_SECRET_PATH)) return undefined;
  const secret = readFileSync(DEV_SECRET_PATH, 'utf8').trim();
  return Buffer.byteLength(secret) >= SECRET_BYTES_MIN ? secret : undefined;
}

/** The stored secret, made (32 random bytes, hex, file mode 0600) on first use. */
export function devSecret() {
  const existing = readDevSecret();
  if (existing) return { secret: existing, created: false };
  const secret = randomBytes(SECRET_BYTES_MIN).toString('hex');
  mkdirSync(new URL('../.dev/', import.meta.url), { recursive: true });
  writeFileSync(DEV_SECRET_PATH, `${secret}\n`, { mode: 0o600 });
  chmodSync(DEV_SECRET_PATH, 0o600);
  return { secret, created: true };
}
