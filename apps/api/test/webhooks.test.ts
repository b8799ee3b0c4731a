// Goal: the webhook endpoint routes keep to the contract — secret shown once, per-user
// isolation (404 for others), URLs that could reach anything but the public internet refused
// with 400, and the per-user cap of 20 held under 40 parallel registrations.
// Method: the real app (app.inject) over PostgreSQL and Redis; IP literals avoid real DNS.
import t from 'tap';
import { build, post, problemOf } from './helper.js';

const PUBLIC_URL = 'https://93.184.216.34/hooks/wallet';

t.test('create, list, read and delete an endpoint', async (t) => {
  const { app, auth } = await build(t);
  const created = await post(app, '/api/webhooks', auth('alice'), { url: PUBLIC_URL, events: ['wallet.credited'] });
  t.equal(created.statusCode, 201, created.body);
  const endpoint = created.json().data;
  t.match(endpoint, { url: PUBLIC_URL, events: ['wallet.credited'] });
  t.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]+={0,2}$/);
  const keyBytes = Buffer.from(endpoint.secret.slice(6), 'base64').length;
  t.ok(keyBytes >= 24 && keyBytes <= 64, `secret holds ${keyBytes} bytes`);
  t.notOk('userId' in endpoint, 'no user id echoed');

  const all = await post(app, '/api/webhooks', auth('alice'), { url: PUBLIC_URL });
  t.equal(all.statusCode, 201);
  t.same(all.json().data.events, [], 'no events = all events');
  t.not(all.json().data.secret, endpoint.secret, 'each endpoint has its own secret');

  const list = await app.inject({ method: 'GET', url: '/api/webhooks', headers: auth('alice') });
  t.equal(list.statusCode, 200);
  t.equal(list.json().data.length, 2);
  t.equal(list.json().nextCursor, null);
  t.notOk(list.body.includes('whsec_'), 'the list never shows a secret');

  const one = await app.inject({ method: 'GET', url: `/api/webhooks/${endpoint.id}`, headers: auth('alice') });
  t.equal(one.statusCode, 200);
  t.notOk(one.body.includes('whsec_'));

  t.equal(
    (await app.inject({ method: 'GET', url: '/api/webhooks', headers: auth('bob') })).json().data.length,
    0,
    "bob sees none of alice's",
  );
  const bobRead = await app.inject({ method: 'GET', url: `/api/webhooks/${endpoint.id}`, headers: auth('bob') });
  t.equal(bobRead.statusCode, 404);
  t.equal(problemOf(bobRead).code, 'not_found');
  const bobDelete = await app.inject({ method: 'DELETE', url: `/api/webhooks/${endpoint.id}`, headers: auth('bob') });
  t.equal(bobDelete.statusCode, 404, "another user's endpoint is 404");

  const deleted = await app.inject({ method: 'DELETE', url: `/api/webhooks/${endpoint.id}`, headers: auth('alice') });
  t.equal(deleted.statusCode, 204);
  t.equal(deleted.body, '');
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/api/webhooks/${endpoint.id}`, headers: auth('alice') })).statusCode,
    404,
    'gone',
  );
  t.equal((await app.inject({ method: 'GET', url: '/api/webhooks', headers: auth('alice') })).json().data.length, 1);
});

t.test('bad input is refused with 400 and stores nothing', async (t) => {
  const { app, auth } = await build(t);
  const refused = [
    { url: 'http://127.0.0.1:8080/hook' },
    { url: 'http://10.1.2.3/hook' },
    { url: 'http://172.16.0.1/hook' },
    { url: 'http://192.168.1.1/hook' },
    { url: 'http://169.254.169.254/latest/meta-data' },
    { url: 'http://100.64.0.1/hook' },
    { url: 'http://[::1]/hook' },
    { url: 'http://[fd00::1]/hook' },
    { url: 'http://[fe80::1]/hook' },
    { url: 'http://[::ffff:127.0.0.1]/hook' },
    { url: 'http://[::127.0.0.1]/hook' },
    { url: 'http://[::ffff:0:127.0.0.1]/hook' },
    { url: 'http://[2002:7f00:1::]/hook' },
    { url: 'http://[2002:a9fe:a9fe::]/latest/meta-data' },
    { url: 'http://[64:ff9b:1::a9fe:a9fe]/hook' },
    { url: 'http://[64:ff9b::7f00:1]/hook' },
    { url: 'http://[fec0::1]/hook' },
    { url: 'http://[2001::1]/hook' },
    { url: 'http://192.0.2.1/hook' },
    { url: 'http://198.51.100.1/hook' },
    { url: 'http://203.0.113.1/hook' },
    { url: 'http://198.18.0.1/hook' },
    { url: 'http://192.88.99.1/hook' },
    { url: 'http://0.0.0.0/hook' },
    { url: 'http://240.0.0.1/hook' },
    { url: 'http://2130706433/hook' },
    { url: 'http://localhost/hook' },
    { url: 'ftp://93.184.216.34/hook' },
    { url: 'not a url' },
    { url: 'https://user:pass@93.184.216.34/hook' },
    { url: `https://93.184.216.34/${'a'.repeat(2048)}` },
    { url: PUBLIC_URL, events: ['wallet.exploded'] },
    { url: PUBLIC_URL, events: ['wallet.credited', 'wallet.credited'] },
    { url: PUBLIC_URL, extra: true },
    { url: 42 },
    {},
  ];
  for (const payload of refused) {
    const response = await app.inject({ method: 'POST', url: '/api/webhooks', headers: auth('mallory'), payload });
    t.equal(response.statusCode, 400, `refused: ${JSON.stringify(payload).slice(0, 80)}`);
    t.equal(problemOf(response).code, 'validation_failed');
  }
  t.equal(
    (await app.inject({ method: 'GET', url: '/api/webhooks', headers: auth('mallory') })).json().data.length,
    0,
    'nothing stored',
  );
  t.equal(
    (await app.inject({ method: 'GET', url: '/api/webhooks/not-a-uuid', headers: auth('mallory') })).statusCode,
    400,
  );
  t.equal(
    (await app.inject({ method: 'DELETE', url: '/api/webhooks/not-a-uuid', headers: auth('mallory') })).statusCode,
    400,
  );
  const anonymous = await app.inject({ method: 'POST', url: '/api/webhooks', payload: { url: PUBLIC_URL } });
  t.equal(anonymous.statusCode, 401);
});

t.test('at most 20 endpoints per user', async (t) => {
  const { app, auth } = await build(t);
  for (let index = 0; index < 20; index++) {
    const response = await post(app, '/api/webhooks', auth('carol'), { url: `${PUBLIC_URL}/${index}` });
    t.equal(response.statusCode, 201);
  }
  const over = await post(app, '/api/webhooks', auth('carol'), { url: PUBLIC_URL });
  t.equal(over.statusCode, 409);
  t.equal(problemOf(over).code, 'webhook_limit_reached');
  t.match(problemOf(over).detail, /at most 20/);
});

t.test('the cap holds under a race: 40 parallel registrations store exactly 20', async (t) => {
  const { app, auth } = await build(t);
  const responses = await Promise.all(
    Array.from({ length: 40 }, (_, index) =>
      post(app, '/api/webhooks', auth('racer'), { url: `${PUBLIC_URL}/${index}` }),
    ),
  );
  const statuses = responses.map((response) => response.statusCode);
  t.equal(statuses.filter((status) => status === 201).length, 20, '20 created');
  const refused = responses.filter((response) => response.statusCode !== 201);
  t.equal(refused.length, 20);
  for (const response of refused) {
    t.equal(response.statusCode, 409);
    t.equal(problemOf(response).code, 'webhook_limit_reached');
  }
  const list = await app.inject({ method: 'GET', url: '/api/webhooks', headers: auth('racer') });
  t.equal(list.json().data.length, 20, 'exactly 20 stored');
});

t.test('WEBHOOK_ALLOW_PRIVATE=true accepts loopback endpoints (local use, tests)', async (t) => {
  const { app, auth } = await build(t, { env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const response = await post(app, '/api/webhooks', auth('dave'), { url: 'http://127.0.0.1:9/hook' });
  t.equal(response.statusCode, 201, response.body);
  const ftp = await post(app, '/api/webhooks', auth('dave'), { url: 'ftp://127.0.0.1/hook' });
  t.equal(ftp.statusCode, 400, 'the scheme is still checked');
});
