import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks secret prefix. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** 32 random bytes: the spec allows 24–64; 256 bits matches the HMAC-SHA256 key size. */
export const WEBHOOK_SECRET_BYTES = 32;

/** A new endpoint secret, shown to its owner once: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(WEBHOOK_SECRET_BYTES).toString('base64');
}

/** The HMAC key of a secret: the base64-decoded part after `whsec_`. */
export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error('webhook secret must start with whsec_');
  const key = Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
  if (key.length < 24 || key.length > 64) throw new Error('webhook secret must hold 24 to 64 bytes');
  return key;
}

export interface SignInput {
  /** `webhook-id`: the event id, the same on every retry, so receivers can deduplicate. */
  id: string;
  /** `webhook-timestamp`: unix seconds of this attempt. */
  timestampSeconds: number;
  /** The exact bytes sent as the body. */
  body: string;
  secret: string;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, the Standard Webhooks signature. */
export function signWebhook(input: SignInput): string {
  const mac = createHmac('sha256', webhookSecretKey(input.secret))
    .update(`${input.id}.${input.timestampSeconds}.${input.body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** The three Standard Webhooks headers of one attempt. */
export function webhookHeaders(input: SignInput): Record<string, string> {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signWebhook(input),
  };
}

/**
 * Receiver-side check, for clients of this service and for tests: any of the
 * space-separated `v1,` signatures matches, and the timestamp is within toleranceSeconds.
 */
export function verifyWebhook(
  input: { id: string; timestamp: string; body: string; signatureHeader: string; secret: string },
  options: { nowSeconds?: number; toleranceSeconds?: number } = {},
): boolean {
  const timestampSeconds = Number(input.timestamp);
  if (!Number.isSafeInteger(timestampSeconds)) return false;
  const nowSeconds = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(nowSeconds - timestampSeconds) > (options.toleranceSeconds ?? 300)) return false;
  const wanted = Buffer.from(
    signWebhook({ id: input.id, timestampSeconds, body: input.body, secret: input.secret }).slice(3),
    'base64',
  );
  return input.signatureHeader.split(' ').some((part) => {
    if (!part.startsWith('v1,')) return false;
    const given = Buffer.from(part.slice(3), 'base64');
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  });
}
