// Seeds the benchmark data through the API over HTTP, as a client would: 1,000 users with one
// funded USD wallet each (the credit keys are kept: the replay scenario replays them), one hot
// wallet for the debit scenario, one wallet with a long history for the cursor scenarios,
// and webhook endpoints for a sample of users. Returns what the scenarios need.
import { URLSearchParams } from 'node:url';
import { signToken } from './jwt.mjs';
import { callApi, expectApi } from './api-client.mjs';
import { mapLimit } from './stats.mjs';

/** In-flight seeding calls: enough to be quick, few enough not to trip pool waits. */
const SEED_CONCURRENCY = 16;
/** Tokens outlive any run (the whole bench takes minutes). */
const TOKEN_TTL_SECONDS = 6 * 3600;
/** A history write on one wallet can lose a race on a loaded machine; retry a few times. */
const HISTORY_WRITE_ATTEMPTS = 5;

export const SEED = {
  wallets: 1000,
  /** Minor units per spread wallet: transfers and credits never hit a limit during a run. */
  walletBalanceMinor: 1_000_000_000,
  /** The hot wallet pays every debit of the hot scenario (amount 1 each); MAX_AMOUNT is one credit. */
  hotBalanceMinor: 100_000_000_000,
  historyEntries: 1000,
  historyPageSize: 20,
  /** The deep cursor starts after this many pages (800 entries back). */
  deepPages: 40,
  /** Every n-th user registers a webhook endpoint: a sample of the spread load is delivered. */
  webhookEveryNthUser: 10,
};

export async function seed(baseUrl, secret, { log, webhookUrl, runId }) {
  const token = (sub) => signToken(secret, sub, TOKEN_TTL_SECONDS);
  const userIds = Array.from({ length: SEED.wallets }, (_, i) => `bench-user-${String(i).padStart(4, '0')}`);

  log(`seeding ${SEED.wallets} wallets through the API`);
  const users = await mapLimit(userIds, SEED_CONCURRENCY, async (userId, index) => {
    const userToken = token(userId);
    const walletId = await createWallet(baseUrl, userToken);
    const key = `seed-${runId}-${index}`;
    const body = JSON.stringify({ walletId, amount: SEED.walletBalanceMinor });
    const credit = await expectApi(
      baseUrl,
      { method: 'POST', path: '/api/wallets/credit', token: userToken, body, idempotencyKey: key },
      [200],
    );
    return { userId, token: userToken, walletId, replay: { key, body }, creditReply: credit.raw };
  });

  const hotToken = token('bench-hot');
  const hotWalletId = await createWallet(baseUrl, hotToken);
  await expectApi(
    baseUrl,
    {
      method: 'POST',
      path: '/api/wallets/credit',
      token: hotToken,
      body: { walletId: hotWalletId, amount: SEED.hotBalanceMinor },
      idempotencyKey: `seed-${runId}-hot`,
    },
    [200],
  );

  log(`seeding ${SEED.historyEntries} history entries on one wallet`);
  const historyToken = token('bench-history');
  const historyWalletId = await createWallet(baseUrl, historyToken);
  await mapLimit(
    Array.from({ length: SEED.historyEntries }, (_, i) => i),
    8,
    (i) => historyCredit(baseUrl, historyToken, historyWalletId, `seed-${runId}-history-${i}`),
  );
  const deepCursor = await pageCursor(baseUrl, historyToken, historyWalletId, SEED.deepPages);

  for (const [index, user] of users.entries()) user.hasWebhook = index % SEED.webhookEveryNthUser === 0;
  const webhookUsers = users.filter((user) => user.hasWebhook);
  log(`registering ${webhookUsers.length} webhook endpoints → ${webhookUrl}`);
  const webhooks = await registerWebhooks(baseUrl, webhookUsers, webhookUrl, log);

  return {
    users,
    hot: { token: hotToken, walletId: hotWalletId },
    history: { token: historyToken, walletId: historyWalletId, deepCursor },
    sampleCreditReply: users[0].creditReply,
    webhookUsers: webhooks === 'registered' ? webhookUsers.length : 0,
  };
}

/**
 * Registers one endpoint per sampled user. An API without the webhooks route (404 with no
 * problem code of ours) leaves notifications unmeasured, said so in the report, rather
 * than failing the whole run.
 */
async function registerWebhooks(baseUrl, webhookUsers, webhookUrl, log) {
  const probe = await callApi(baseUrl, {
    method: 'POST',
    path: '/api/webhooks',
    token: webhookUsers[0].token,
    body: { url: webhookUrl },
  });
  if (probe.status === 404) {
    log('POST /api/webhooks answered 404: notification latency will not be measured');
    return 'unavailable';
  }
  if (probe.status !== 201 && probe.status !== 200) {
    throw new Error(`POST /api/webhooks answered ${probe.status} (${probe.json?.code ?? 'no code'}), expected 201`);
  }
  await mapLimit(webhookUsers.slice(1), SEED_CONCURRENCY, (user) =>
    expectApi(
      baseUrl,
      { method: 'POST', path: '/api/webhooks', token: user.token, body: { url: webhookUrl } },
      [200, 201],
    ),
  );
  return 'registered';
}

async function createWallet(baseUrl, userToken) {
  const created = await expectApi(
    baseUrl,
    { method: 'POST', path: '/api/wallets', token: userToken, body: { currency: 'USD' } },
    [201],
  );
  const walletId = created.json?.data?.id;
  if (typeof walletId !== 'string') throw new Error('POST /api/wallets: no data.id in the reply');
  return walletId;
}

async function historyCredit(baseUrl, userToken, walletId, key) {
  for (let attempt = 1; attempt <= HISTORY_WRITE_ATTEMPTS; attempt++) {
    const result = await callApi(baseUrl, {
      method: 'POST',
      path: '/api/wallets/credit',
      token: userToken,
      body: { walletId, amount: 1 },
      idempotencyKey: key,
    });
    if (result.status === 200) return;
    if (result.status !== 409 || attempt === HISTORY_WRITE_ATTEMPTS) {
      throw new Error(`history seeding: credit answered ${result.status} (${result.json?.code ?? 'no code'})`);
    }
  }
}

/** Follows nextCursor `pages` times and returns the cursor of the next page. */
async function pageCursor(baseUrl, userToken, walletId, pages) {
  let cursor = null;
  for (let page = 0; page < pages; page++) {
    const query = new URLSearchParams({ walletId, limit: String(SEED.historyPageSize) });
    if (cursor) query.set('cursor', cursor);
    const result = await expectApi(baseUrl, { path: `/api/transactions?${query}`, token: userToken }, [200]);
    cursor = result.json?.nextCursor;
    if (typeof cursor !== 'string') throw new Error(`history page ${page + 1} has no nextCursor`);
  }
  return cursor;
}
