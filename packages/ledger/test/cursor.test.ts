// Goal: history cursors round-trip for their own user and wallet and refuse everything else
// with 400 validation_failed. Method: encode with CursorCodec, then decode originals,
// tampered, foreign, re-signed and malformed strings.
import { createHmac } from 'node:crypto';
import t from 'tap';
import { LedgerError } from '../src/index.js';
import { CursorCodec } from '../src/cursor.js';
import { OpaqueCursor } from '../src/opaque-cursor.js';

const codec = new CursorCodec('unit-test-secret');
const owner = { userId: 'alice', walletId: 'w-1' };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof LedgerError ? error.code : 'not a LedgerError';
  }
  return undefined;
}

t.test('round-trips a position for its user and wallet', async (t) => {
  const cursor = codec.encode({ ...owner, seq: 42 });
  t.match(cursor, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'base64url payload and signature');
  t.same(codec.decode(cursor, owner), { ...owner, seq: 42 });
  t.same(
    new CursorCodec('unit-test-secret').decode(cursor, owner),
    { ...owner, seq: 42 },
    'any codec with the secret accepts it',
  );
  t.equal(codec.encode({ ...owner, seq: 42 }), cursor, 'deterministic');
});

t.test('refuses cursors for another user or wallet, or signed with another secret', async (t) => {
  const cursor = codec.encode({ ...owner, seq: 5 });
  t.equal(
    codeOf(() => codec.decode(cursor, { userId: 'bob', walletId: 'w-1' })),
    'validation_failed',
    'other user',
  );
  t.equal(
    codeOf(() => codec.decode(cursor, { userId: 'alice', walletId: 'w-2' })),
    'validation_failed',
    'other wallet',
  );
  t.equal(
    codeOf(() => new CursorCodec('other-secret').decode(cursor, owner)),
    'validation_failed',
    'other secret',
  );
});

t.test('refuses tampered and malformed cursors', async (t) => {
  const cursor = codec.encode({ ...owner, seq: 5 });
  const [payload, signature] = cursor.split('.') as [string, string];
  const forged = Buffer.from(JSON.stringify(['alice', 'w-1', 999])).toString('base64url');
  const flip = (text: string) => `${text.startsWith('A') ? 'B' : 'A'}${text.slice(1)}`;
  const cases: Record<string, string> = {
    'forged payload, old signature': `${forged}.${signature}`,
    'flipped signature': `${payload}.${flip(signature)}`,
    'truncated signature': `${payload}.${signature.slice(0, 10)}`,
    'no signature': payload,
    'empty signature': `${payload}.`,
    'three segments': `${cursor}.x`,
    empty: '',
    'over 512 characters': `${'a'.repeat(600)}.${signature}`,
  };
  for (const [label, value] of Object.entries(cases))
    t.equal(
      codeOf(() => codec.decode(value, owner)),
      'validation_failed',
      label,
    );
});

t.test('a validly signed payload must still hold a well-formed position', async (t) => {
  // Re-create the codec's signing to prove the shape checks run after the signature check.
  const key = createHmac('sha256', 'unit-test-secret').update('wallet-history-cursor-v1').digest();
  const sign = (body: unknown) => {
    const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64url');
    return `${payload}.${createHmac('sha256', key).update(payload).digest().subarray(0, 16).toString('base64url')}`;
  };
  t.same(codec.decode(sign(['alice', 'w-1', 3]), owner), { ...owner, seq: 3 }, 'the reconstruction matches the codec');
  for (const body of [
    'not json',
    ['alice', 'w-1'],
    ['alice', 'w-1', 0],
    ['alice', 'w-1', -1],
    ['alice', 'w-1', 1.5],
    ['alice', 'w-1', '3'],
    ['alice', 'w-1', 2 ** 53],
    { seq: 3 },
  ]) {
    t.equal(
      codeOf(() => codec.decode(sign(body), owner)),
      'validation_failed',
      `payload ${JSON.stringify(body)}`,
    );
  }
});

t.test('a signature is compared canonically: other spellings of the same bytes are refused', async (t) => {
  const cursor = codec.encode({ ...owner, seq: 5 });
  const [payload, signature] = cursor.split('.') as [string, string];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // 16 bytes take 22 characters; the last one carries 4 unused bits, so flipping its lowest
  // bit spells the same bytes differently. A trailing "=" is ignored by the decoder too.
  const last = alphabet.indexOf(signature.at(-1)!);
  const spellings = {
    'unused bits set': `${signature.slice(0, -1)}${alphabet[last ^ 1]}`,
    'padding appended': `${signature}=`,
  };
  for (const [label, spelling] of Object.entries(spellings)) {
    t.ok(Buffer.from(spelling, 'base64url').equals(Buffer.from(signature, 'base64url')), `${label}: same bytes`);
    t.equal(
      codeOf(() => codec.decode(`${payload}.${spelling}`, owner)),
      'validation_failed',
      `${label}: refused`,
    );
  }
});

t.test('unsigned opaque cursors (audit, dead letters) round-trip and refuse a signature segment', async (t) => {
  const plain = new OpaqueCursor({ purpose: 'test' });
  const cursor = plain.encode([1, 'a']);
  t.match(cursor, /^[A-Za-z0-9_-]+$/, 'base64url payload only');
  t.same(plain.decode(cursor, 2), [1, 'a']);
  t.equal(plain.decode(cursor, 3), null, 'another length');
  t.equal(plain.decode(`${cursor}.sig`, 2), null, 'a signature it never issues');
  t.equal(plain.decode('', 2), null, 'empty');
  t.equal(plain.decode('%%%', 2), null, 'not base64url JSON');
  t.equal(plain.decode('a'.repeat(600), 2), null, 'too long');
});
