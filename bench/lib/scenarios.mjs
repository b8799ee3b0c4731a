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
  'credit-quiet',
  'debit-hot',
  'transfer-random',
  'hold-capture',
  'replay',
  'history-first',
  'history-deep',
  'credit-open',
  'curve-connections',
  'curve-wallets',
  'curve-history',
];

/** Points of the cost curves (issue 14 item 5). */
export const CURVES = {
  connections: [1, 10, 50, 200],
  wallets: [1, 10, 1000],
  historyDepths: [0, 1000, 100_000],
};
const plural = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const randomIndex = (length) => Math.floor(Math.random() * length);

/**
 * @param data   what seeding returned (users, hot, history) plus the reference's walletIds
 * @param runId  unique per run, so keys never collide with an earlier run's
 */
export function buildScenarios(data, runId) {
  let counter = 0;
  const nextKey = (prefix) => `${prefix}-${runId}-${++counter}`;
  const bearer = (token) => ({ authorization: `Bearer ${token}` });
  const { users, hot, history, deepHistory, referenceWalletIds, referenceHotWalletId } = data;
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
      build: creditOver(users),
    },
    {
      // No webhook delivery at all: the worker's CPU here is the outbox relay's (and its fixed
      // background work), so its cost per event can be read apart from the deliveries'.
      id: 'credit-quiet',
      label: 'credit, the 900 wallets whose users have no webhook endpoint',
      target: 'api',
      kind: 'write',
      reference: 'ref-db-spread',
      build: creditOver(users.filter((user) => !user.hasWebhook)),
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
    {
      // Open loop at half of credit-spread's measured 2xx/s (run.mjs sets the rate).
      id: 'credit-open',
      label: 'credit, 1,000 wallets, open loop at ½ saturation',
      target: 'api',
      kind: 'open',
      reference: 'credit-spread',
      build: creditOver(users),
      measureWebhooks: true,
    },
    creditCurve(
      'curve-connections',
      'credit-spread at 1, 10, 50, 200 connections',
      CURVES.connections.map((connections) => [plural(connections, 'connection'), connections, users]),
    ),
    creditCurve(
      'curve-wallets',
      'credits at 50 connections over 1, 10, 1,000 wallets',
      CURVES.wallets.map((wallets) => [plural(wallets, 'wallet'), 50, users.slice(0, wallets)]),
    ),
    {
      id: 'curve-history',
      label: 'history page (limit 20) at depth 0, 1,000, 100,000, uncached and cached',
      target: 'api',
      kind: 'curve',
      writes: false,
      points: deepHistory
        ? CURVES.historyDepths.flatMap((depth) => [
            {
              label: `depth ${depth}, uncached`,
              connections: 50,
              depth,
              cached: false,
              prepare: deepHistory.clearCache,
              build: deepPage(depth, true),
            },
            { label: `depth ${depth}, cached`, connections: 50, depth, cached: true, build: deepPage(depth, false) },
          ])
        : [],
    },
  ];

  /** A curve of credits; each point is [label, connections, the wallets credited]. */
  function creditCurve(id, label, points) {
    return {
      id,
      label,
      target: 'api',
      kind: 'curve',
      writes: true,
      points: points.map(([pointLabel, connections, among]) => ({
        label: pointLabel,
        connections,
        wallets: among.length,
        build: creditOver(among),
      })),
    };
  }

  /** A credit of 1–1000 on a random wallet of `among`, from its owner, with a fresh key. */
  function creditOver(among) {
    return () => {
      const user = among[randomIndex(among.length)];
      const body = { walletId: user.walletId, amount: 1 + randomIndex(1000) };
      return writeRequest('/api/wallets/credit', user.token, body, nextKey('c'));
    };
  }

  /**
   * The page whose entries start `depth` back on the deep wallet. Uncached: every request a
   * cursor not asked for before (a window of distinct positions just past the depth), so the
   * Redis page cache misses and the keyset query runs; cached: the same cursor every time.
   */
  function deepPage(depth, distinct) {
    let next = 0;
    return () => {
      const offset = distinct ? next++ % deepHistory.window : 0;
      const query = new URLSearchParams({
        walletId: deepHistory.walletId,
        limit: '20',
        cursor: deepHistory.cursorAt(depth + offset),
      });
      return { method: 'GET', path: `/api/transactions?${query}`, headers: bearer(deepHistory.token) };
    };
  }

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
