// The measured scenarios: what each request looks like, which server it targets and which
// reference its ratio is taken against. Write scenarios build a fresh Idempotency-Key and
// body for every request (autocannon calls `build` from setupRequest).
import { URLSearchParams } from 'node:url';

const json = { 'content-type': 'application/json' };

/** Every scenario id in run order, so flags can be checked before anything starts. */
export const SCENARIO_IDS = [
  'ceiling',
  'ref-db-spread',
  'ref-db-hot',
  'credit-spread',
  'debit-hot',
  'transfer-random',
  'hold-capture',
  'replay',
  'history-first',
  'history-deep',
];
const randomIndex = (length) => Math.floor(Math.random() * length);

/**
 * @param data   what seeding returned (users, hot, history) plus the reference's walletIds
 * @param runId  unique per run, so keys never collide with an earlier run's
 */
export function buildScenarios(data, runId) {
  let counter = 0;
  const nextKey = (prefix) => `${prefix}-${runId}-${++counter}`;
  const bearer = (token) => ({ authorization: `Bearer ${token}` });
  const { users, hot, history, referenceWalletIds, referenceHotWalletId } = data;
  const creditTemplate = JSON.stringify({ walletId: users[0].walletId, amount: 1 });
  const historyPath = (cursor) => {
    const query = new URLSearchParams({ walletId: history.walletId, limit: '20' });
    if (cursor) query.set('cursor', cursor);
    return `/api/transactions?${query}`;
  };

  return [
    {
      id: 'ceiling',
      label: 'HTTP ceiling (bare Fastify, credit-sized JSON)',
      target: 'reference',
      kind: 'reference',
      build: () => ({ method: 'POST', path: '/ceiling', headers: json, body: creditTemplate }),
    },
    {
      id: 'ref-db-spread',
      label: 'DB reference: hand-written pg credit, 1,000 wallets',
      target: 'reference',
      kind: 'reference',
      build: () => {
        const index = randomIndex(referenceWalletIds.length);
        return refRequest('credit', referenceWalletIds[index], `ref-user-${index + 1}`, nextKey('rs'));
      },
    },
    {
      id: 'ref-db-hot',
      label: 'DB reference: hand-written pg debit, one hot wallet',
      target: 'reference',
      kind: 'reference',
      build: () => refRequest('debit', referenceHotWalletId, 'ref-hot-1', nextKey('rh')),
    },
    {
      id: 'credit-spread',
      label: 'credit, 1,000 wallets, unique keys',
      target: 'api',
      kind: 'write',
      reference: 'ref-db-spread',
      measureWebhooks: true,
      build: () => {
        const user = users[randomIndex(users.length)];
        return writeRequest(
          '/api/wallets/credit',
          user.token,
          { walletId: user.walletId, amount: 1 + randomIndex(1000) },
          nextKey('c'),
        );
      },
    },
    {
      id: 'debit-hot',
      label: 'debit, one hot wallet',
      target: 'api',
      kind: 'write',
      reference: 'ref-db-hot',
      build: () => writeRequest('/api/wallets/debit', hot.token, { walletId: hot.walletId, amount: 1 }, nextKey('d')),
    },
    {
      id: 'transfer-random',
      label: 'transfer, random pairs',
      target: 'api',
      kind: 'write',
      reference: 'ref-db-spread',
      build: () => {
        const from = randomIndex(users.length);
        const to = (from + 1 + randomIndex(users.length - 1)) % users.length;
        const body = { fromWalletId: users[from].walletId, toWalletId: users[to].walletId, amount: 1 };
        return writeRequest('/api/transfers', users[from].token, body, nextKey('t'));
      },
    },
    {
      // Two requests per operation on one connection: the hold, then the capture of the hold it created.
      id: 'hold-capture',
      label: 'hold then capture (whole), 1,000 wallets',
      target: 'api',
      kind: 'write',
      reference: 'credit-spread',
      requestsPerOperation: 2,
      steps: [
        {
          build: (context) => {
            const user = users[randomIndex(users.length)];
            context.token = user.token;
            context.holdId = null;
            return writeRequest('/api/holds', user.token, { walletId: user.walletId, amount: 1 }, nextKey('h'));
          },
          onResponse: (status, body, context) => {
            if (status === 201) context.holdId = JSON.parse(body).data.hold.id;
          },
        },
        {
          // A refused hold has nothing to capture: a null request makes autocannon start the pair again.
          build: (context) =>
            context.holdId
              ? writeRequest(`/api/holds/${context.holdId}/capture`, context.token, '{}', nextKey('hc'))
              : null,
        },
      ],
    },
    {
      id: 'replay',
      label: 'replay of a stored key',
      target: 'api',
      kind: 'read',
      reference: 'ceiling',
      build: () => {
        const user = users[randomIndex(users.length)];
        return writeRequest('/api/wallets/credit', user.token, user.replay.body, user.replay.key);
      },
    },
    {
      id: 'history-first',
      label: 'history, first page (cached)',
      target: 'api',
      kind: 'read',
      reference: 'ceiling',
      build: () => ({ method: 'GET', path: historyPath(null), headers: bearer(history.token) }),
    },
    {
      id: 'history-deep',
      label: 'history, deep cursor page (800 back)',
      target: 'api',
      kind: 'read',
      reference: 'ceiling',
      build: () => ({ method: 'GET', path: historyPath(history.deepCursor), headers: bearer(history.token) }),
    },
  ];

  function writeRequest(path, token, body, key) {
    return {
      method: 'POST',
      path,
      headers: { ...json, ...bearer(token), 'idempotency-key': key },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    };
  }

  function refRequest(kind, walletId, userId, key) {
    return {
      method: 'POST',
      path: `/ref/${kind}`,
      headers: { ...json, 'idempotency-key': key },
      body: JSON.stringify({ walletId, userId, amount: 1 }),
    };
  }
}
