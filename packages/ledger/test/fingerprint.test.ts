// Goal: equal requests fingerprint equally whatever their key order, and any difference in
// operation, body or If-Match changes the fingerprint. Method: pure function calls.
import t from 'tap';
import { requestFingerprint } from '../src/index.js';
import { canonicalJson, sortedMetadata } from '../src/store-kit.js';

t.test('canonicalJson sorts keys at every depth and drops undefined members', async (t) => {
  t.equal(
    canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }),
    '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
  );
  t.equal(canonicalJson({ a: undefined, b: 'x' }), '{"b":"x"}');
  t.equal(canonicalJson([1, 'two', true, null]), '[1,"two",true,null]');
  t.equal(canonicalJson('quote"d'), '"quote\\"d"');
  t.equal(canonicalJson({ é: 1, e: 2 }), '{"e":2,"é":1}', 'code-unit order, independent of locale');
});

t.test('the fingerprint ignores key order and nothing else', async (t) => {
  const base = requestFingerprint('wallet.credit', { walletId: 'w', amount: 100, metadata: { a: '1', b: '2' } });
  t.equal(
    requestFingerprint('wallet.credit', { metadata: { b: '2', a: '1' }, amount: 100, walletId: 'w' }),
    base,
    'reordered body',
  );
  t.match(base, /^[A-Za-z0-9_-]{43}$/, 'SHA-256 in base64url');
  const different = {
    operation: requestFingerprint('wallet.debit', { walletId: 'w', amount: 100, metadata: { a: '1', b: '2' } }),
    amount: requestFingerprint('wallet.credit', { walletId: 'w', amount: 101, metadata: { a: '1', b: '2' } }),
    metadata: requestFingerprint('wallet.credit', { walletId: 'w', amount: 100, metadata: { a: '1' } }),
    wallet: requestFingerprint('wallet.credit', { walletId: 'v', amount: 100, metadata: { a: '1', b: '2' } }),
    ifMatch: requestFingerprint('wallet.credit', { walletId: 'w', amount: 100, metadata: { a: '1', b: '2' } }, 3),
    stringAmount: requestFingerprint('wallet.credit', { walletId: 'w', amount: '100', metadata: { a: '1', b: '2' } }),
  };
  for (const [label, fingerprint] of Object.entries(different))
    t.not(fingerprint, base, `a different ${label} changes it`);
  t.equal(new Set(Object.values(different)).size, Object.keys(different).length, 'all distinct');
  t.not(
    requestFingerprint('wallet.credit', {}, 0),
    requestFingerprint('wallet.credit', {}),
    'If-Match 0 is not the absence of If-Match',
  );
});

t.test('sortedMetadata copies keys in sorted order', async (t) => {
  const input = { zeta: 'z', alpha: 'a', mid: 'm' };
  const sorted = sortedMetadata(input);
  t.same(Object.keys(sorted), ['alpha', 'mid', 'zeta']);
  t.same(sorted, input);
  t.not(sorted, input, "a copy, not the caller's object");
  t.same(sortedMetadata(undefined), {});
});
