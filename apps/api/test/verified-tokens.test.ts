// The verified-token cache in front of JWT verification never outlives a token: a token accepted (and cached) is refused once its exp passes, a refused token is checked again every time, and an admin role is taken from the cached check, against the real app.
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { build, mintToken, problemOf } from './helper.js';
import { VerifiedTokens } from '../src/lib/verified-tokens.js';

t.test('a cached token is refused after its exp', async (t) => {
  const { app } = await build(t);
  const headers = { authorization: `Bearer ${mintToken('alice', { ttlSeconds: 2 })}` };
  t.equal((await app.inject({ url: '/api/wallets', headers })).statusCode, 200, 'verified and cached');
  t.equal((await app.inject({ url: '/api/wallets', headers })).statusCode, 200, 'from the cache');
  await sleep(2100);
  const expired = await app.inject({ url: '/api/wallets', headers });
  t.equal(expired.statusCode, 401, 'the cache entry ended with the token');
  t.equal(problemOf(expired).code, 'unauthorized');
  const wrong = { authorization: `Bearer ${mintToken('alice', { secret: 'x'.repeat(40) })}` };
  for (let i = 0; i < 2; i++) t.equal((await app.inject({ url: '/api/wallets', headers: wrong })).statusCode, 401);
  const admin = { authorization: `Bearer ${mintToken('root', { roles: ['admin'] })}` };
  const user = { authorization: `Bearer ${mintToken('root')}` };
  for (let i = 0; i < 2; i++) {
    t.not((await app.inject({ url: '/api/admin/audit', headers: admin })).statusCode, 403, 'admin, cached or not');
    t.equal((await app.inject({ url: '/api/admin/audit', headers: user })).statusCode, 403, 'same sub, no role');
  }
});

t.test('VerifiedTokens: bounded, expiring, never keeps a token without exp or not valid yet', async (t) => {
  const tokens = new VerifiedTokens(2, 60_000);
  const who = { userId: 'u', isAdmin: false };
  const nowMs = 1_000_000;
  tokens.set('a', who, nowMs / 1000 + 10, undefined, nowMs);
  t.match(tokens.get('a', nowMs), who);
  t.equal(tokens.get('a', nowMs + 10_000), undefined, 'gone at exp');
  tokens.set('b', who, undefined, undefined, nowMs);
  t.equal(tokens.get('b', nowMs), undefined, 'no exp: not kept');
  tokens.set('c', who, nowMs / 1000 + 100, nowMs / 1000 + 5, nowMs);
  t.equal(tokens.get('c', nowMs), undefined, 'nbf in the future: not kept');
  tokens.set('d', who, nowMs / 1000 + 1000, undefined, nowMs);
  t.equal(tokens.get('d', nowMs + 60_001), undefined, 'gone after the TTL');
  tokens.set('e', who, nowMs / 1000 + 1000, undefined, nowMs);
  tokens.set('f', who, nowMs / 1000 + 1000, undefined, nowMs);
  tokens.set('g', who, nowMs / 1000 + 1000, undefined, nowMs);
  t.equal(tokens.get('e', nowMs), undefined, 'the oldest is dropped beyond the bound');
  t.ok(tokens.get('g', nowMs));
});
