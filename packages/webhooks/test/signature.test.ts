// Goal: signatures follow Standard Webhooks byte for byte. Method: compare with an HMAC
// computed here with node:crypto, and with the spec's published example (secret, id,
// timestamp, body and expected signature from standard-webhooks' README).
import { createHmac } from 'node:crypto';
import t from 'tap';
import {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  webhookSecretKey,
} from '../src/signature.js';

t.test('matches an independent HMAC-SHA256 over "<id>.<timestamp>.<body>"', async (t) => {
  const secret = generateWebhookSecret();
  t.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/, '32 random bytes, base64');
  const body = JSON.stringify({ type: 'wallet.credited', data: { amount: 5 } });
  const key = Buffer.from(secret.slice(6), 'base64');
  const expected = 'v1,' + createHmac('sha256', key).update(`evt_1.1700000000.${body}`).digest('base64');
  t.equal(signWebhook({ id: 'evt_1', timestampSeconds: 1_700_000_000, body, secret }), expected);
  t.same(webhookHeaders({ id: 'evt_1', timestampSeconds: 1_700_000_000, body, secret }), {
    'webhook-id': 'evt_1',
    'webhook-timestamp': '1700000000',
    'webhook-signature': expected,
  });
  t.not(signWebhook({ id: 'evt_1', timestampSeconds: 1_700_000_001, body, secret }), expected, 'timestamp is signed');
  t.not(signWebhook({ id: 'evt_2', timestampSeconds: 1_700_000_000, body, secret }), expected, 'id is signed');
  t.not(generateWebhookSecret(), secret, 'secrets are random');
});

t.test('the Standard Webhooks reference example', async (t) => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  const signature = signWebhook({ id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestampSeconds: 1614265330, body, secret });
  t.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
});

t.test('verification and bad secrets', async (t) => {
  const secret = generateWebhookSecret();
  const nowSeconds = 1_700_000_000;
  const signatureHeader = signWebhook({ id: 'a', timestampSeconds: nowSeconds, body: 'x', secret });
  const input = { id: 'a', timestamp: String(nowSeconds), body: 'x', signatureHeader, secret };
  t.ok(verifyWebhook(input, { nowSeconds }));
  t.ok(
    verifyWebhook({ ...input, signatureHeader: `v1,AAAA ${signatureHeader}` }, { nowSeconds }),
    'any listed signature',
  );
  t.notOk(verifyWebhook({ ...input, body: 'y' }, { nowSeconds }), 'tampered body');
  t.notOk(verifyWebhook(input, { nowSeconds: nowSeconds + 301 }), 'too old');
  t.notOk(verifyWebhook({ ...input, timestamp: 'soon' }, { nowSeconds }));
  t.notOk(verifyWebhook({ ...input, signatureHeader: signatureHeader.replace('v1,', 'v2,') }, { nowSeconds }));
  t.throws(() => webhookSecretKey('sk_abc'), /whsec_/);
  t.throws(() => webhookSecretKey('whsec_' + Buffer.alloc(8).toString('base64')), /24 to 64/);
});
