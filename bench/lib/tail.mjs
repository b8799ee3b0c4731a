// What a latency tail is made of, measured around an open-loop window so the causes can be
// told apart: the API's event-loop delay and GC pauses (prom-client's default metrics on
// /metrics), the API's own time per request (its http histogram, against the client's
// figure), how many of the API's PostgreSQL connections were busy (a pool wait needs all
// of them busy), CPU bursts of the API and the worker in 100 ms slices, and the machine's
// CPU steal (time the hypervisor gave our cores to someone else).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { processTicks } from './cpu.mjs';

/** Sampling period of the pool and CPU-slice sampler. */
const SAMPLE_MS = 20;
/** CPU bursts are read over this slice (clock ticks are 10 ms: coarser slices are noise). */
const SLICE_MS = 100;
/**
 * prom-client samples the event loop with monitorEventLoopDelay at this resolution (its
 * default) and records the whole interval between two timer fires: an idle loop reads ~10 ms.
 * The report subtracts it, so the figure is the stall beyond the timer.
 */
const EVENT_LOOP_RESOLUTION_MS = 10;
const PG_PORT_HEX = (5432).toString(16).toUpperCase().padStart(4, '0');

/** Parses Prometheus text into [{ name, labels, value }]. */
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const match = line.match(/^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? ([-+0-9.eE]+|NaN|\+Inf)$/);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    out.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return out;
}

async function scrape(metricsUrl) {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
    return response.status === 200 ? parseMetrics(await response.text()) : null;
  } catch {
    return null;
  }
}

const find = (metrics, suffix, labels = {}) =>
  metrics?.find((m) => m.name.endsWith(suffix) && Object.entries(labels).every(([k, v]) => m.labels[k] === v))?.value ??
  null;

/** Local ports of `pid`'s TCP connections to PostgreSQL (its pool's backends). */
function pgClientPorts(pid) {
  const inodes = new Set();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const link = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })();
      const match = link.match(/^socket:\[(\d+)\]$/);
      if (match) inodes.add(match[1]);
    }
  } catch {
    return [];
  }
  const ports = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !inodes.has(fields[9])) continue;
      if (fields[2].endsWith(`:${PG_PORT_HEX}`)) ports.push(parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports;
}

function machineStat() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7] ?? 0, idle: fields[3] + (fields[4] ?? 0) };
}

/**
 * Starts the samplers; `stop()` returns the window's figures. `db` is the runner's pool (one
 * connection is used every SAMPLE_MS), `poolMax` the API's DB_POOL_MAX.
 */
export async function startTailProbe({ db, apiPid, workerPid, apiMetricsUrl, poolMax }) {
  const before = await scrape(apiMetricsUrl); // also resets prom-client's event-loop histogram
  const statBefore = machineStat();
  const busyCounts = [];
  const slices = { api: [], worker: [] };
  let last = { at: Date.now(), api: processTicks(apiPid), worker: processTicks(workerPid) };
  let ports = pgClientPorts(apiPid);
  let stopped = false;
  let sampling = Promise.resolve();
  let rounds = 0;
  const loop = async () => {
    while (!stopped) {
      const started = Date.now();
      if (rounds++ % 50 === 0) ports = pgClientPorts(apiPid); // the pool grows and shrinks
      try {
        const { rows } = await db.query(
          `SELECT count(*) FILTER (WHERE state <> 'idle')::int AS busy FROM pg_stat_activity WHERE client_port = ANY($1)`,
          [ports],
        );
        busyCounts.push(rows[0].busy);
      } catch {
        // A failed sample is skipped; the figure says how many were taken.
      }
      if (started - last.at >= SLICE_MS) {
        const now = { at: started, api: processTicks(apiPid), worker: processTicks(workerPid) };
        for (const name of ['api', 'worker']) {
          if (now[name] !== null && last[name] !== null)
            slices[name].push(((now[name] - last[name]) * 1000) / (now.at - last.at)); // % of a core at 100 ticks/s
        }
        last = now;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, SAMPLE_MS - (Date.now() - started))));
    }
  };
  sampling = loop();
  return {
    async stop() {
      stopped = true;
      await sampling;
      const after = await scrape(apiMetricsUrl);
      const statAfter = machineStat();
      return summarise({ before, after, busyCounts, slices, poolMax, statBefore, statAfter });
    },
  };
}

function summarise({ before, after, busyCounts, slices, poolMax, statBefore, statAfter }) {
  const stallMs = (suffix) => {
    const value = find(after, suffix);
    return value === null ? null : Math.max(0, Math.round((value * 1e3 - EVENT_LOOP_RESOLUTION_MS) * 10) / 10);
  };
  const gc = {};
  for (const kind of ['minor', 'major', 'incremental', 'weakcb']) {
    const count = diff(before, after, 'nodejs_gc_duration_seconds_count', { kind });
    const sum = diff(before, after, 'nodejs_gc_duration_seconds_sum', { kind });
    const under10 = diff(before, after, 'nodejs_gc_duration_seconds_bucket', { kind, le: '0.01' });
    if (count === null || count === 0) continue;
    gc[kind] = {
      count,
      totalMs: Math.round(sum * 1e4) / 10,
      meanMs: Math.round((sum / count) * 1e4) / 10,
      over10ms: under10 === null ? null : count - under10,
    };
  }
  const route = { method: 'POST', route: '/api/wallets/credit', status_code: '200' };
  const served = diff(before, after, 'http_request_duration_seconds_count', route);
  const serverBuckets = {};
  for (const le of ['0.005', '0.01', '0.025', '0.05']) {
    const n = diff(before, after, 'http_request_duration_seconds_bucket', { ...route, le });
    serverBuckets[`le${Number(le) * 1000}ms`] = n === null || !served ? null : Math.round((n / served) * 10000) / 100;
  }
  const sorted = [...busyCounts].sort((a, b) => a - b);
  const stealTicks = statAfter.steal - statBefore.steal;
  const totalTicks = statAfter.total - statBefore.total;
  return {
    // Beyond the sampling timer (see EVENT_LOOP_RESOLUTION_MS).
    eventLoopStallMs: {
      p50: stallMs('nodejs_eventloop_lag_p50_seconds'),
      p99: stallMs('nodejs_eventloop_lag_p99_seconds'),
      max: stallMs('nodejs_eventloop_lag_max_seconds'),
      mean: stallMs('nodejs_eventloop_lag_mean_seconds'),
    },
    gc,
    // Share of the API's 200 credits its own histogram timed at or under each bound (%).
    apiServerTimeShare: { requests: served, ...serverBuckets },
    pool: {
      samples: sorted.length,
      poolMax,
      busyP50: sorted[Math.floor(sorted.length / 2)] ?? null,
      busyMax: sorted.at(-1) ?? null,
      samplesAtMax: sorted.filter((n) => n >= poolMax).length,
    },
    cpuSlicesPercent: Object.fromEntries(
      Object.entries(slices).map(([name, values]) => {
        const s = [...values].sort((a, b) => a - b);
        const at = (p) => (s.length === 0 ? null : Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]));
        return [name, { p50: at(0.5), p90: at(0.9), max: s.length === 0 ? null : Math.round(s.at(-1)) }];
      }),
    ),
    machine: {
      stealPercent: totalTicks > 0 ? Math.round((stealTicks / totalTicks) * 1000) / 10 : null,
      idlePercent: totalTicks > 0 ? Math.round(((statAfter.idle - statBefore.idle) / totalTicks) * 1000) / 10 : null,
    },
  };
}

function diff(before, after, suffix, labels) {
  const a = find(after, suffix, labels);
  const b = find(before, suffix, labels) ?? 0;
  return a === null ? null : a - b;
}

/** Commits timed by measureCommitFloor: enough for a p99, ~1 s on this disk. */
const COMMIT_PROBES = 400;

/**
 * The floor under every write's latency on this machine: one-row INSERTs, each its own
 * transaction (so each waits for its WAL flush, synchronous_commit = on), sent one after
 * another on one connection with nothing else of ours running. A credit commits once too,
 * so its latency can be no better than this distribution.
 */
export async function measureCommitFloor(db, schema) {
  const table = `${schema}.bench_commit_probe`;
  await db.query(`CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, at timestamptz NOT NULL)`);
  const client = await db.connect();
  const times = [];
  try {
    for (let i = 0; i < COMMIT_PROBES; i++) {
      const started = performance.now();
      await client.query(`INSERT INTO ${table} (at) VALUES (now())`);
      times.push(performance.now() - started);
    }
  } finally {
    client.release();
    await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  }
  times.sort((a, b) => a - b);
  const at = (p) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 10) / 10;
  return { commits: times.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: Math.round(times.at(-1) * 10) / 10 };
}
