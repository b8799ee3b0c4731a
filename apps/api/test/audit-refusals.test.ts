// Goal: every refused write leaves exactly ONE audit line, whether the API refused it before
// the ledger ran (schema, Idempotency-Key, in flight) or the ledger refused it (its own
// checks, the store's remembered refusals, a reused key); 429s leave none. Method: real API,
// PostgreSQL and Redis; each refusal once, then the audit_events rows of the user counted.
import { randomUUID } from 'node:crypto';
import t from 'tap';
import pg from 'pg';
import { TEST_DATABASE_URL, build } from './helper.js';

t.test('each refused write is audited once, by the ledger, whoever raised it', async (t) => {
  const { app, auth, wallet, schema } = await build(t);
  const user = `audit_${randomUUID()}`;
  const id = await wallet(user, 'USD', 100);
  const other = await wallet(`other_${randomUUID()}`, 'USD');
  const post = (url: string, payload: object, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: `/api${url}`, headers, payload });
  const withKey = (key: string = randomUUID()) => auth(user, { 'idempotency-key': key });

  const answers: Record<string, number> = {
    validation_failed: (await post('/wallets/credit', { walletId: id, amount: '1' }, withKey())).statusCode,
    idempotency_key_required: (await post('/wallets/debit', { walletId: id, amount: 1 }, auth(user))).statusCode,
    idempotency_key_invalid: (await post('/wallets/debit', { walletId: id, amount: 1 }, withKey(' bad key')))
      .statusCode,
    insufficient_funds: (await post('/wallets/debit', { walletId: id, amount: 1000 }, withKey())).statusCode,
    wallet_not_found: (await post('/wallets/credit', { walletId: other, amount: 1 }, withKey())).statusCode,
    same_wallet: (await post('/transfers', { fromWalletId: id, toWalletId: id, amount: 1 }, withKey())).statusCode,
  };
  const reusedKey = randomUUID();
  await post('/wallets/credit', { walletId: id, amount: 5 }, withKey(reusedKey));
  answers.idempotency_key_reused = (
    await post('/wallets/credit', { walletId: id, amount: 6 }, withKey(reusedKey))
  ).statusCode;
  t.same(answers, {
    validation_failed: 400,
    idempotency_key_required: 400,
    idempotency_key_invalid: 400,
    insufficient_funds: 409,
    wallet_not_found: 404,
    same_wallet: 422,
    idempotency_key_reused: 422,
  });

  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  t.teardown(() => client.end());
  const { rows } = await client.query(
    `SELECT outcome, count(*)::int AS n FROM "${schema}".audit_events WHERE actor = $1 AND outcome <> 'ok' GROUP BY outcome`,
    [user],
  );
  const counts = Object.fromEntries(rows.map((row: { outcome: string; n: number }) => [row.outcome, row.n]));
  t.same(
    counts,
    Object.fromEntries(Object.keys(answers).map((code) => [code, 1])),
    'one audit line per refusal, none twice, none missing',
  );
});
