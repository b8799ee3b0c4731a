// Goal: the lame-duck drain the Kubernetes manifests rely on really happens: on SIGTERM
// readiness turns 503 while new requests are still served normally for SHUTDOWN_DELAY_MS, then
// the listener closes, requests already in flight finish with 200 (Connection: close) and the
// process exits 0 within SHUTDOWN_TIMEOUT_MS. Method: run the built API
// (apps/api/dist/main.js) as a child process on PostgreSQL and Redis with the ConfigMap's
// drain settings scaled down, hold 30 credits in flight (headers accepted, body withheld),
// send SIGTERM, watch the probes, then release the bodies.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSigner } from 'fast-jwt';
import { loadManifests, type K8sObject } from './deploy-files.js';
import { createWallet, heldCredits, startBuiltApi } from '../../apps/api/test/built-api.js';
import { expectAll200, expectConnection, send, type Reply } from '../../apps/api/test/http-client.js';

const JWT_SECRET = `drain-test-secret-${randomUUID()}`;
const IN_FLIGHT_COUNT = 30;
const AMOUNT_MINOR = 125;
/** Longest wait for the API to become ready (cold start: migrations on a fresh schema). */
const READY_WAIT_MS = 30_000;
const POLL_MS = 50;

// The ConfigMap's drain settings, scaled so the test stays short; the ratios are kept.
const configMap = (loadManifests(['configmap.yaml'])[0]!.object as K8sObject & { data: Record<string, string> }).data;
const scale = Math.max(1, Math.ceil(Number(configMap.SHUTDOWN_TIMEOUT_MS) / 10_000));
const SHUTDOWN_DELAY_MS = Math.max(500, Math.round(Number(configMap.SHUTDOWN_DELAY_MS) / scale));
const SHUTDOWN_TIMEOUT_MS = Math.round(Number(configMap.SHUTDOWN_TIMEOUT_MS) / scale);
const REQUEST_TIMEOUT_MS = Math.round(Number(configMap.REQUEST_TIMEOUT_MS) / scale);

/** One request on a fresh connection (no keep-alive pool), so "refused" is observable. */
const request = (port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  send(port, method, path, headers, body, false, 5000);

t.test('SIGTERM drains the built API as the manifests expect', async (t) => {
  const api = await startBuiltApi(
    t,
    {
      NODE_ENV: 'production',
      LEDGER_STORE: 'postgres',
      JWT_SECRET,
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
    READY_WAIT_MS,
  );
  const { port } = api;
  const sign = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 120_000 });
  const auth = { authorization: `Bearer ${sign({ sub: `drain-user-${randomUUID()}` })}` };
  const walletId = await createWallet(port, auth.authorization);
  const held = await heldCredits(port, auth.authorization, walletId, AMOUNT_MINOR, IN_FLIGHT_COUNT);
  // The onRequest hooks run right after `100 Continue`; let them pass for all.
  await sleep(200);

  const sigtermAt = Date.now();
  api.kill('SIGTERM');

  // During SHUTDOWN_DELAY_MS the listener is open: readiness 503, new work served normally.
  const readyStatuses: (number | 'refused')[] = [];
  let newRequest: Reply | undefined;
  while (Date.now() - sigtermAt < SHUTDOWN_TIMEOUT_MS) {
    const status = await request(port, 'GET', '/health/ready').then(
      (r) => r.status,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') return 'refused' as const;
        throw error;
      },
    );
    readyStatuses.push(status);
    if (status === 'refused') break;
    if (status === 503 && !newRequest)
      newRequest = await request(port, 'GET', '/api/wallets', auth).catch(() => undefined);
    await sleep(POLL_MS);
  }
  t.equal(readyStatuses.at(-1), 'refused', 'the listener closes after the delay');
  t.notOk(readyStatuses.includes(200), `readiness never 200 after SIGTERM: ${readyStatuses.join(',')}`);
  t.ok(readyStatuses.filter((s) => s === 503).length >= 2, 'readiness answered 503 during SHUTDOWN_DELAY_MS');
  t.ok(Date.now() - sigtermAt >= SHUTDOWN_DELAY_MS - POLL_MS, 'the listener stayed open for the delay');
  t.ok(newRequest, 'a request arriving during the delay was answered');
  t.equal(newRequest?.status, 200, 'new requests are served normally during the delay (lame duck)');
  t.match(newRequest?.headers['content-type'], /application\/json/);

  // The held requests were accepted before SIGTERM: their bodies arrive after the close.
  for (const { release } of held) release();
  const replies = await Promise.all(
    held.map(({ reply }) => reply.catch((error: Error): Reply => ({ status: 0, headers: {}, body: error.message }))),
  );
  expectAll200(t, replies, 'every in-flight credit completed normally');
  expectConnection(t, replies, 'close', 'their replies carry Connection: close');
  const results = replies
    .filter((r) => r.status === 200)
    .map((r) => JSON.parse(r.body) as { data: { transactionId: string; wallet: { balance: number } } });
  t.equal(new Set(results.map((r) => r.data.transactionId)).size, IN_FLIGHT_COUNT, 'each credit applied once');
  t.equal(
    Math.max(...results.map((r) => r.data.wallet.balance)),
    IN_FLIGHT_COUNT * AMOUNT_MINOR,
    'the wallet holds every credit',
  );

  const [code, signal] = await api.exited;
  const drainMs = Date.now() - sigtermAt;
  t.equal(signal, null, 'not killed');
  t.equal(code, 0, 'exit code 0');
  t.ok(drainMs < SHUTDOWN_TIMEOUT_MS, `exited in ${drainMs} ms < SHUTDOWN_TIMEOUT_MS ${SHUTDOWN_TIMEOUT_MS}`);
  await t.rejects(request(port, 'GET', '/health/live'), { code: 'ECONNREFUSED' }, 'nothing listens any more');
  const logs = api.stdout() + api.stderr();
  t.notOk(logs.includes(JWT_SECRET), 'the JWT secret never reaches the logs');
  t.notOk(logs.includes(auth.authorization.slice(7)), 'nor a bearer token');
});
