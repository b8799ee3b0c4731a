import { createHmac, timingSafeEqual } from 'node:crypto';

/** 128-bit truncated HMAC-SHA256: forging is out of reach. */
const SIGNATURE_BYTES = 16;
/** Longer strings are refused before any decoding work. */
export const CURSOR_CHARS_MAX = 512;

/**
 * The one opaque-cursor codec (history, audit and dead-letter pages): base64url of a JSON
 * array, followed by "." and a base64url HMAC when the codec has a secret. `decode` returns
 * the array, or null for anything this codec did not issue; each caller checks the
 * elements and answers with its own error.
 */
export class OpaqueCursor {
  readonly #key: Buffer | null;

  /** Signed when `secret` is given; the key is derived per `purpose`, so cursors do not cross uses. */
  constructor(options: { secret?: string | Buffer; purpose: string }) {
    this.#key =
      options.secret === undefined ? null : createHmac('sha256', options.secret).update(options.purpose).digest();
  }

  encode(values: readonly unknown[]): string {
    const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
    return this.#key ? `${payload}.${this.#sign(this.#key, payload).toString('base64url')}` : payload;
  }

  /** The array of `length` elements inside the cursor, or null when malformed, too long or forged. */
  decode(cursor: string, length: number): unknown[] | null {
    if (cursor.length === 0 || cursor.length > CURSOR_CHARS_MAX) return null;
    const [payload, signature, extra] = cursor.split('.');
    if (!payload || extra !== undefined) return null;
    if (this.#key) {
      if (!signature || !this.#verify(this.#key, payload, signature)) return null;
    } else if (signature !== undefined) {
      return null;
    }
    try {
      const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return Array.isArray(parsed) && parsed.length === length ? parsed : null;
    } catch {
      return null;
    }
  }

  #sign(key: Buffer, payload: string): Buffer {
    return createHmac('sha256', key).update(payload).digest().subarray(0, SIGNATURE_BYTES);
  }

  /**
   * Compares canonically: the signature's bytes must re-encode to exactly the given text (a
   * base64url decoder ignores stray characters and trailing bits, so several strings decode
   * to the same bytes), then the bytes are compared in constant time.
   */
  #verify(key: Buffer, payload: string, signature: string): boolean {
    const given = Buffer.from(signature, 'base64url');
    if (given.toString('base64url') !== signature) return false;
    const wanted = this.#sign(key, payload);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }
}
