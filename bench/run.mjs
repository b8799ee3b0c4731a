// `npm run bench`: starts the PostgreSQL-backed API and worker as child processes on a fresh
// schema, seeds 1,000 wallets through the API, measures the references (bare HTTP ceiling,
// hand-written pg credit/debit) and the API scenarios with autocannon in the same run, then
// an open-loop credit run at half the measured saturation (tail latency and what it is made
// of) and the cost curves (connections, wallets, history depth), prints one report with
// ratios and targets, and writes bench/results/<date>.json.
// Every child is stopped and the schema and Redis keys are dropped at the end, also on
// error or Ctrl-C. See docs/performance.md.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from './lib/args.mjs';
import { ask, stopAll, stopChild } from './lib/children.mjs';
import { buildScenarios, SCENARIO_IDS } from './lib/scenarios.mjs';
import { runScenario } from './lib/load.mjs';
import { seed, SEED } from './lib/seed.mjs';
import { sampleRss, scrapeHeap } from './lib/rss.mjs';
import { evaluateTargets, renderReport, writeJson } from './lib/report.mjs';
import { renderProfile, summariseProfile } from './lib/profile.mjs';
import { deleteRedisPrefix, dropSchema, openDatabase, waitOutboxDrained } from './lib/housekeeping.mjs';
import {
  assertBuilt,
  freePort,
  startApi,
  startReferenceServer,
  startWebhookReceiver,
  startWorker,
  DB_POOL_MAX,
  RETRY_POLICY,
} from './lib/services.mjs';
import { measureNotifications } from './lib/notifications.mjs';
import { runOpenLoop } from './lib/open-loop.mjs';
import { measureCommitFloor, startTailProbe } from './lib/tail.mjs';
import { runCurve } from './lib/curves.mjs';
import { seedDeepHistory } from './lib/deep-history.mjs';
import { signToken } from './lib/jwt.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
process.chdir(ROOT);
const CONNECTIONS = 50;
/** Bound on waiting for the worker to empty the outbox between write scenarios. */
const DRAIN_TIMEOUT_MS = 60_000;

const options = (() => {
  try {
    const parsed = parseArgs(process.argv.slice(2));
    const unknown = [...(parsed.only ?? []), ...(parsed.profile ? [parsed.profile] : [])].filter(
      (id) => !SCENARIO_IDS.includes(id),
    );
    if (unknown.length > 0)
      throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIO_IDS.join(', ')}`);
    if (parsed.profile?.startsWith('curve-'))
      throw new Error(`--profile takes one scenario, not a curve (${parsed.profile}): profile credit-spread instead`);
    return parsed;
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
})();
const durationSec = options.quick ? 3 : 10;
const warmupSec = options.quick ? 1 : 2;
/** Curve points are short: 5 s + 1 s warm-up (2 s + 1 s with --quick). */
const curveSec = { duration: options.quick ? 2 : 5, warmup: 1 };
/** Open loop: at least 5,000 samples for a p99.9 when the rate allows, within these bounds. */
const OPEN_LOOP = { samples: 5000, minSec: options.quick ? 5 : 15, maxSec: options.quick ? 5 : 30, fraction: 0.5 };
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[-:T]/g, '').slice(0, 14);
const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  schema: `bench_${stamp}_${randomBytes(3).toString('hex')}`,
  redisPrefix: `bench-${stamp}-${randomBytes(3).toString('hex')}`,
  jwtSecret: randomBytes(48).toString('base64url'),
  apiPort: await freePort(),
  workerPort: await freePort(),
};
const runId = `${stamp}${randomBytes(3).toString('hex')}`;
const logDir = mkdtempSync(join(tmpdir(), 'wallet-bench-'));
const log = (message) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const db = openDatabase(settings.databaseUrl);
let cleanupDone = null;

process.once('SIGINT', () => interrupt('SIGINT'));
process.once('SIGTERM', () => interrupt('SIGTERM'));
// A crash in a callback must not leave the API, the worker or the schema behind either.
process.once('uncaughtException', (error) =>
  interrupt(`uncaught ${error?.name ?? 'error'}: ${error?.message ?? ''}`, 1),
);
process.once('unhandledRejection', (error) => interrupt(`unhandled rejection: ${error?.message ?? String(error)}`, 1));

try {
  await main();
  await cleanup();
  // The child logs only matter when something failed; then they are kept and named.
  rmSync(logDir, { recursive: true, force: true });
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error(`child logs: ${logDir}`);
  await cleanup();
  process.exitCode = 1;
}

async function main() {
  assertBuilt(ROOT);
  log(
    `schema ${settings.schema}, Redis prefix ${settings.redisPrefix}, ${CONNECTIONS} connections, ` +
      `${durationSec} s per scenario after ${warmupSec} s warm-up, logs in ${logDir}`,
  );
  const { receiver, url: webhookUrl } = await startWebhookReceiver({ logDir });
  let api = await startApi(settings, { logDir, nodeArgs: options.apiNodeArgs });
  const worker = await startWorker(settings, { logDir });
  const memory = { api: sampleRss(api.pid), worker: sampleRss(worker.pid) };
  const idleRss = { api: memory.api.read().peakRssMB, worker: memory.worker.read().peakRssMB };
  const apiMetricsUrl = `http://127.0.0.1:${settings.apiPort}/metrics`;
  const workerMetricsUrl = `http://127.0.0.1:${settings.workerPort}/metrics`;
  const heapAfterStart = { api: await scrapeHeap(apiMetricsUrl), worker: await scrapeHeap(workerMetricsUrl) };
  const data = await seed(`http://127.0.0.1:${settings.apiPort}`, settings.jwtSecret, { log, webhookUrl, runId });
  const ref = await startReferenceServer(settings, {
    logDir,
    sampleReply: data.sampleCreditReply,
    wallets: SEED.wallets,
    balanceMinor: SEED.walletBalanceMinor,
    hotBalanceMinor: SEED.hotBalanceMinor,
  });
  memory.reference = sampleRss(ref.reference.pid);
  const wanted = (id) => !options.profile && (!options.only || options.only.includes(id));
  const deepHistory = wanted('curve-history') ? await seedDeep() : null;
  const scenarios = buildScenarios(
    { ...data, deepHistory, referenceWalletIds: ref.walletIds, referenceHotWalletId: ref.hotWalletId },
    runId,
  );
  const selected = selectScenarios(scenarios);
  await drain('seeding');

  if (options.profile) {
    // Profile a fresh API process that only sees this scenario (seeding ran on the first one).
    memory.api.stop();
    await stopChild(api);
    api = await startApi(settings, {
      logDir,
      suffix: '-profiled',
      nodeArgs: [...options.apiNodeArgs, '--cpu-prof', `--cpu-prof-dir=${profileDir()}`],
    });
  }

  /** Waits for the worker to empty the outbox; then, for a scenario that measures webhooks, their latency. */
  async function drainAndMeasure(scenario, windowStart) {
    const drained = await drain(scenario.id);
    if (!scenario.measureWebhooks || data.webhookUsers === 0) return null;
    return measureNotifications({
      db,
      schema: settings.schema,
      receiver,
      windowStart,
      users: data.users,
      drainMs: drained.waitedMs,
    });
  }

  const run = newRunRecord(data);
  for (const scenario of selected) {
    const url = scenario.target === 'api' ? `http://127.0.0.1:${settings.apiPort}` : ref.url;
    if (scenario.measureWebhooks) await ask(receiver, { type: 'reset' }, 'reset-done', 5000);
    const windowStart = new Date();
    log(`${scenario.id}: ${scenario.label}`);
    const cpuPids = {
      runner: process.pid,
      api: api.pid,
      worker: worker.pid,
      reference: ref.reference.pid,
      receiver: receiver.pid,
    };
    if (scenario.kind === 'curve') {
      run.curves[scenario.id] = await runCurve(url, scenario, {
        durationSec: curveSec.duration,
        warmupSec: curveSec.warmup,
        cpuPids,
        metricsUrl: apiMetricsUrl,
        between: drain,
        log,
      });
      continue;
    }
    if (scenario.kind === 'open') {
      run.scenarios[scenario.id] = await openLoop(url, scenario, run, {
        cpuPids,
        apiPid: api.pid,
        workerPid: worker.pid,
      });
      const notifications = await drainAndMeasure(scenario, windowStart);
      if (notifications) run.notificationsOpen = notifications;
      continue;
    }
    run.scenarios[scenario.id] = await runScenario(url, scenario, {
      connections: CONNECTIONS,
      durationSec,
      warmupSec,
      cpuPids,
    });
    log(
      `${scenario.id}: ${run.scenarios[scenario.id].okPerSec} 2xx/s, p99 ${run.scenarios[scenario.id].latencyMs.p99} ms, non-2xx ${run.scenarios[scenario.id].non2xx}`,
    );
    if (scenario.target === 'api' && scenario.kind === 'write') {
      const notifications = await drainAndMeasure(scenario, windowStart);
      if (notifications) run.notifications = notifications;
    }
  }
  await stopChild(ref.reference);

  if (options.profile) return finishProfile(api, run);
  run.memory = {
    api: {
      ...memory.api.read(),
      afterStartMB: idleRss.api,
      heapAfterStart: heapAfterStart.api,
      heapAtEnd: await scrapeHeap(apiMetricsUrl),
    },
    worker: {
      ...memory.worker.read(),
      afterStartMB: idleRss.worker,
      heapAfterStart: heapAfterStart.worker,
      heapAtEnd: await scrapeHeap(workerMetricsUrl),
    },
    reference: memory.reference.read(),
  };
  Object.values(memory).forEach((sampler) => sampler.stop());
  await stopChild(worker);
  await stopChild(api);
  finishRun(run, selected);
}

/** The wallet of the history-depth curve (entries written by SQL, see lib/deep-history.mjs). */
async function seedDeep() {
  const userId = 'bench-history-deep';
  log('seeding the deep-history wallet (110,000 entries, one SQL statement)');
  const deep = await seedDeepHistory(`http://127.0.0.1:${settings.apiPort}`, {
    db,
    schema: settings.schema,
    jwtSecret: settings.jwtSecret,
    token: signToken(settings.jwtSecret, userId, 6 * 3600),
    userId,
  });
  // Before an uncached point: forget the pages an earlier point left in Redis (windows overlap).
  const clearCache = () => deleteRedisPrefix(settings.redisUrl, `${settings.redisPrefix}:hist:${deep.walletId}:`);
  return { ...deep, clearCache };
}

/**
 * The open-loop scenario at OPEN_LOOP.fraction of credit-spread's measured 2xx/s, with the
 * tail probe (event loop, GC, pool, CPU slices, steal) around the measured window only.
 */
async function openLoop(url, scenario, run, { cpuPids, apiPid, workerPid }) {
  const saturation = run.scenarios[scenario.reference]?.okPerSec;
  if (!saturation) throw new Error(`${scenario.id} needs ${scenario.reference} measured first`);
  const ratePerSec = saturation * OPEN_LOOP.fraction;
  const seconds = Math.min(OPEN_LOOP.maxSec, Math.max(OPEN_LOOP.minSec, Math.ceil(OPEN_LOOP.samples / ratePerSec)));
  log(`${scenario.id}: ${Math.round(ratePerSec)} req/s for ${seconds} s after ${warmupSec} s warm-up`);
  const commitFloor = await measureCommitFloor(db, settings.schema);
  const figures = await runOpenLoop(url, scenario, {
    ratePerSec,
    durationSec: seconds,
    warmupSec,
    cpuPids,
    startProbe: () =>
      startTailProbe({
        db,
        apiPid,
        workerPid,
        apiMetricsUrl: `http://127.0.0.1:${settings.apiPort}/metrics`,
        poolMax: DB_POOL_MAX,
      }),
  });
  const { latencyMs: l, generatorLagMs: g } = figures;
  log(
    `${scenario.id}: ${figures.okPerSec} 2xx/s, p50 ${l.p50} p99 ${l.p99} p99.9 ${l.p999} max ${l.max} ms; generator lag p99 ${g.p99} ms`,
  );
  return { ...figures, kind: 'open', saturationPerSec: saturation, tail: { ...figures.tail, commitFloor } };
}

/**
 * The wanted scenarios plus the references their ratios need; under --profile none, except
 * the closed-loop run that sets an open loop's rate.
 */
function selectScenarios(scenarios) {
  const wanted = options.profile ? [options.profile] : options.only;
  if (!wanted) return scenarios;
  const references = scenarios
    .filter((s) => wanted.includes(s.id) && (!options.profile || s.kind === 'open'))
    .map((s) => s.reference)
    .filter(Boolean);
  return scenarios.filter((scenario) => wanted.includes(scenario.id) || references.includes(scenario.id));
}

async function drain(after) {
  const drained = await waitOutboxDrained(db, settings.schema, DRAIN_TIMEOUT_MS);
  if (!drained.drained)
    log(`outbox not drained ${DRAIN_TIMEOUT_MS} ms after ${after}: ${drained.pending} events pending`);
  return drained;
}

function newRunRecord(data) {
  return {
    date: startedAt.toISOString(),
    mode: options.profile ? 'profile' : options.quick ? 'quick' : 'full',
    commit: gitCommit(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadavgAtStart: loadavg().map(round2),
    },
    settings: {
      connections: CONNECTIONS,
      durationSec,
      warmupSec,
      curvePoint: curveSec,
      openLoop: OPEN_LOOP,
      apiNodeArgs: options.apiNodeArgs,
      store: 'postgres',
      dbPoolMax: DB_POOL_MAX,
      retry: RETRY_POLICY,
      rateLimitMax: 1_000_000,
      rateLimitWriteMax: 1_000_000,
      seed: SEED,
      webhookEndpoints: data.webhookUsers,
      creditReplyBytes: Buffer.byteLength(data.sampleCreditReply),
    },
    scenarios: {},
    curves: {},
    notifications: null,
    notificationsOpen: null,
    notificationsSkipped: data.webhookUsers > 0 ? null : 'POST /api/webhooks unavailable',
    memory: {},
    targets: [],
  };
}

function finishRun(run, selected) {
  run.machine.loadavgAtEnd = loadavg().map(round2);
  run.targets = evaluateTargets(run);
  const table = renderReport(run, selected);
  console.log(`\n${table}\n`);
  console.log(
    `load average (1/5/15 min) at start ${run.machine.loadavgAtStart.join(' ')}, at end ${run.machine.loadavgAtEnd.join(' ')} on ${run.machine.cpus} CPUs`,
  );
  const day = startedAt.toISOString().slice(0, 10);
  const variant = `${options.quick ? '-quick' : ''}${options.only || options.apiNodeArgs.length > 0 ? '-partial' : ''}`;
  const path = join('bench/results', `${day}${variant}.json`);
  writeJson(path, { ...run, table });
  log(`results written to ${path}`);
}

async function finishProfile(api, run) {
  await stopChild(api);
  const files = readdirSync(profileDir())
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort();
  if (files.length === 0) throw new Error(`no .cpuprofile written in ${profileDir()} (did the API exit cleanly?)`);
  // The profile clock starts with the process; keep only the measured (post-warm-up) window.
  const figures = run.scenarios[options.profile];
  const summary = summariseProfile(join(profileDir(), files.at(-1)), {
    fromMs: figures.startedAtMs - api.startedAtMs,
    toMs: figures.finishedAtMs - api.startedAtMs,
  });
  console.log(`\n${renderProfile(summary)}\n`);
  const path = join('bench/results', `${startedAt.toISOString().slice(0, 10)}-profile-${options.profile}.json`);
  writeJson(path, { date: run.date, commit: run.commit, scenario: options.profile, figures, profile: summary });
  log(`profile summary written to ${path}`);
  if (!options.keepProfile) rmSync(profileDir(), { recursive: true, force: true });
  else log(`raw profile kept in ${profileDir()}`);
}

function profileDir() {
  const dir = join(ROOT, 'bench/.profiles', runId);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Idempotent: a signal arriving during cleanup waits for the same cleanup to finish. */
function cleanup() {
  cleanupDone ??= cleanupOnce();
  return cleanupDone;
}

async function cleanupOnce() {
  const stopStartedAtMs = Date.now();
  await stopAll();
  log(`children stopped in ${Date.now() - stopStartedAtMs} ms`);
  try {
    await dropSchema(db, settings.schema);
    const deleted = await deleteRedisPrefix(settings.redisUrl, settings.redisPrefix);
    log(`dropped schema ${settings.schema} and ${deleted} Redis keys`);
  } catch (error) {
    console.error(`cleanup incomplete (schema ${settings.schema}, prefix ${settings.redisPrefix}): ${error.message}`);
  }
  await db.end().catch(() => undefined);
}

async function interrupt(reason, exitCode = 130) {
  console.error(`\n${reason}: stopping children and cleaning up`);
  await cleanup();
  process.exit(exitCode);
}

function round2(value) {
  return Math.round(value * 100) / 100;
}
