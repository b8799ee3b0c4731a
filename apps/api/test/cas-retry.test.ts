// CAS with bounded retry (DESIGN.md §4.2), driven by real store conflicts: concurrent debits that drain one wallet
// race in PostgreSQL (a debit judged on a snapshot that another commit has overtaken is a lost race). With a budget of
// attempts the conflicts are retried server-side and counted, and the client never sees concurrent_modification;
// with a budget of one attempt every conflict is a 409 concurrent_modification (with Retry-After, not remembered),
// counted as exhausted. Balances stay exact either way.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build } from './helper.js';

type Harness = Awaited<ReturnType<typeof build>>;
interface Answer {
  status: number;
  code?: string;
  retryAfter: string | null;
  key: string;
}

// Batching off: batched debits of one wallet never race each other (hot-wallet-batch.test.ts checks
// that); the unbatched one-statement path is the one whose lost races this file drives.
const limits = { RATE_LIMIT_WRITE_MAX: '100000', RATE_LIMIT_MAX: '100000', BALANCE_BATCH_MAX: '1' };

async function counters(harness: Harness): Promise<{ conflicts: number; retries: number; exhausted: number }> {
  const text = (await harness.app.inject({ url: '/metrics' })).body;
  const read = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    conflicts: read('ledger_cas_conflicts_total'),
    retries: read('ledger_cas_retries_total'),
    exhausted: read('ledger_cas_exhausted_total'),
  };
}

/** One round: a fresh wallet of 1000 and 10 concurrent debits of 300 over HTTP (at most 3 can succeed). */
async function drainRound(
  harness: Harness,
  address: string,
): Promise<{ user: string; walletId: string; answers: Answer[] }> {
  const user = `user-${randomUUID()}`;
  const walletId = await harness.wallet(user, 'USD', 1000);
  const answers = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const key = randomUUID();
      const res = await fetch(`${address}/api/wallets/debit`, {
        method: 'POST',
        headers: { ...harness.auth(user, { 'idempotency-key': key }), 'content-type': 'application/json' },
        body: JSON.stringify({ walletId, amount: 300 }),
      });
      const body = (await res.json()) as { code?: string };
      return { status: res.status, code: body.code, retryAfter: res.headers.get('retry-after'), key };
    }),
  );
  return { user, walletId, answers };
}

async function balanceOf(harness: Harness, user: string, walletId: string): Promise<number> {
  return (await harness.app.inject({ url: `/api/wallets/${walletId}`, headers: harness.auth(user) })).json().data
    .balance;
}

t.test('enough attempts: real conflicts are retried and counted, the client never sees them', async (t) => {
  const harness = await build(t, { env: { ...limits, LEDGER_RETRY_ATTEMPTS: '20' } });
  const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  const before = await counters(harness);
  t.same(before, { conflicts: 0, retries: 0, exhausted: 0 }, 'counters start at zero');
  let after = before;
  for (let round = 0; round < 8 && after.conflicts === 0; round++) {
    const { user, walletId, answers } = await drainRound(harness, address);
    const ok = answers.filter((a) => a.status === 200).length;
    t.equal(ok, 3, `round ${round}: three debits of 300 fit in 1000`);
    t.ok(
      answers.every((a) => a.status === 200 || a.code === 'insufficient_funds'),
      `round ${round}: only 200 or insufficient_funds (${answers.map((a) => a.code ?? a.status).join(',')})`,
    );
    t.equal(await balanceOf(harness, user, walletId), 100);
    after = await counters(harness);
  }
  t.ok(after.conflicts > 0, `the store reported real version conflicts (${after.conflicts})`);
  t.equal(after.retries, after.conflicts, 'every conflict was retried');
  t.equal(after.exhausted, 0, 'no request ran out of attempts');
});

t.test('one attempt: each conflict is 409 concurrent_modification, counted as exhausted, retryable', async (t) => {
  const harness = await build(t, { env: { ...limits, LEDGER_RETRY_ATTEMPTS: '1' } });
  const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
  let conflicted: Answer[] = [];
  let last = { user: '', walletId: '', answers: [] as Answer[] };
  for (let round = 0; round < 8 && conflicted.length === 0; round++) {
    last = await drainRound(harness, address);
    const roundOk = last.answers.filter((a) => a.status === 200).length;
    t.ok(roundOk >= 1 && roundOk <= 3, `round ${round}: ${roundOk} debits applied`);
    t.ok(
      last.answers.every(
        (a) => a.status === 200 || a.code === 'insufficient_funds' || a.code === 'concurrent_modification',
      ),
      `round ${round}: ${last.answers.map((a) => a.code ?? a.status).join(',')}`,
    );
    t.equal(await balanceOf(harness, last.user, last.walletId), 1000 - roundOk * 300, `round ${round}: balance exact`);
    conflicted = last.answers.filter((a) => a.code === 'concurrent_modification');
  }
  if (!t.ok(conflicted.length > 0, `some debits ran out of attempts (${conflicted.length})`)) return;
  const metrics = await counters(harness);
  t.equal(metrics.retries, 0, 'a budget of one attempt never retries');
  t.ok(metrics.exhausted > 0, 'exhaustion counted');
  t.equal(metrics.exhausted, metrics.conflicts, 'with one attempt every conflict exhausts');
  for (const answer of conflicted) {
    t.equal(answer.status, 409);
    t.equal(answer.retryAfter, '1', 'Retry-After on concurrent_modification');
  }
  // Not remembered: the same key retried alone gets a real answer.
  const retry = await fetch(`${address}/api/wallets/debit`, {
    method: 'POST',
    headers: {
      ...harness.auth(last.user, { 'idempotency-key': conflicted[0]!.key }),
      'content-type': 'application/json',
    },
    body: JSON.stringify({ walletId: last.walletId, amount: 300 }),
  });
  t.not(retry.headers.get('idempotent-replayed'), 'true', 'the conflict was not remembered');
  const code = ((await retry.json()) as { code?: string }).code;
  t.ok(retry.status === 200 || code === 'insufficient_funds', `the retry is decided on its merits (${retry.status})`);
});
