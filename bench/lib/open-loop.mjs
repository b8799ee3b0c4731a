// Open-loop load: a fixed arrival rate, whatever the server does. Request i is scheduled at
// t0 + i/R and sent then on a keep-alive pool with more sockets than requests can be in
// flight at that rate, so no request waits for an earlier one's reply. Latency is counted
// from the *scheduled* time (completion − scheduled), so a late send — a busy generator or a
// queued socket — is charged to the figure instead of hidden (no coordinated omission). The
// generator's own lateness (actual send − scheduled) is reported next to it, so a reader can
// tell a slow generator from a slow API.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { cpuBetween, cpuSnapshot } from './cpu.mjs';
import { percentile } from './stats.mjs';

/** A reply slower than this is counted as a timeout (and its latency as this bound). */
const REQUEST_TIMEOUT_MS = 10_000;
/** Sockets of the pool: at 1,000 req/s and 100 ms replies, 100 are in flight; never queue. */
const MAX_SOCKETS = 512;
/** The scheduler never sleeps longer than this, so timer slack stays small. */
const MAX_SLEEP_MS = 5;

/**
 * Sends `ratePerSec` requests per second for `durationSec` (after an unrecorded warm-up at the
 * same rate, on the same sockets) and returns achieved rate, latency percentiles from the
 * scheduled time, non-2xx, and the generator's lag. `scenario.build()` gives
 * { method, path, headers, body }. `startProbe()`, if given, is started after the warm-up and
 * its `stop()` result is returned as `tail`.
 */
export async function runOpenLoop(url, scenario, { ratePerSec, durationSec, warmupSec, cpuPids, startProbe }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const target = new URL(url);
  try {
    if (warmupSec > 0) await drive(agent, target, scenario, ratePerSec, warmupSec);
    const probe = startProbe ? await startProbe() : null;
    const startedAtMs = Date.now();
    const cpuBefore = cpuSnapshot(cpuPids);
    const figures = await drive(agent, target, scenario, ratePerSec, durationSec);
    const cpu = cpuBetween(cpuBefore, cpuSnapshot(cpuPids));
    const tail = probe ? await probe.stop() : null;
    return { startedAtMs, finishedAtMs: Date.now(), ...summarise(figures, ratePerSec, durationSec), cpu, tail };
  } finally {
    agent.destroy();
  }
}

function drive(agent, target, scenario, ratePerSec, durationSec) {
  const total = Math.max(1, Math.round(ratePerSec * durationSec));
  const intervalMs = 1000 / ratePerSec;
  const latencies = new Float64Array(total);
  const lags = new Float64Array(total);
  const statuses = new Map();
  let errors = 0;
  let timeouts = 0;
  let sent = 0;
  let done = 0;
  let lastDoneAt = 0;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const finish = (index, scheduledAt, status) => {
      const now = performance.now();
      latencies[index] = now - scheduledAt;
      lastDoneAt = now;
      if (status === 'error') errors++;
      else if (status === 'timeout') timeouts++;
      else statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (++done === total) resolve({ latencies, lags, statuses, errors, timeouts, total, elapsedMs: lastDoneAt - t0 });
    };
    const tick = () => {
      const now = performance.now();
      // Everything due by now goes out at once: a late tick catches up instead of shifting the schedule.
      while (sent < total && t0 + sent * intervalMs <= now) {
        const index = sent++;
        const scheduledAt = t0 + index * intervalMs;
        lags[index] = now - scheduledAt;
        send(agent, target, scenario.build(), (status) => finish(index, scheduledAt, status));
      }
      if (sent < total) setTimeout(tick, Math.min(MAX_SLEEP_MS, Math.max(0, t0 + sent * intervalMs - now)));
    };
    tick();
  });
}

function send(agent, target, request, onDone) {
  let settled = false;
  const settle = (status) => {
    if (settled) return;
    settled = true;
    onDone(status);
  };
  const body = request.body ?? null;
  const headers = { ...request.headers };
  if (body !== null) headers['content-length'] = Buffer.byteLength(body);
  const req = http.request(
    { agent, host: target.hostname, port: target.port, method: request.method, path: request.path, headers },
    (res) => {
      res.resume();
      res.on('end', () => settle(res.statusCode));
      res.on('error', () => settle('error'));
    },
  );
  req.setTimeout(REQUEST_TIMEOUT_MS, () => {
    settle('timeout');
    req.destroy();
  });
  req.on('error', () => settle('error'));
  req.end(body ?? undefined);
}

function summarise({ latencies, lags, statuses, errors, timeouts, total, elapsedMs }, ratePerSec, durationSec) {
  const sorted = Float64Array.from(latencies).sort();
  const sortedLags = Float64Array.from(lags).sort();
  const ok = [...statuses].filter(([status]) => status >= 200 && status < 300).reduce((sum, [, n]) => sum + n, 0);
  const ms = (value) => (value === null ? null : Math.round(value * 10) / 10);
  const at = (array, p) => ms(percentile(array, p));
  return {
    durationSec,
    targetRatePerSec: round(ratePerSec),
    // Sent per second of schedule, and replies per second until the last reply arrived.
    achievedRatePerSec: round(total / durationSec),
    okPerSec: round((ok * 1000) / elapsedMs),
    requests: total,
    latencyMs: {
      p50: at(sorted, 50),
      p90: at(sorted, 90),
      p99: at(sorted, 99),
      p999: at(sorted, 99.9),
      max: ms(sorted.at(-1)),
    },
    generatorLagMs: { p50: at(sortedLags, 50), p99: at(sortedLags, 99), max: ms(sortedLags.at(-1)) },
    perSecond: perSecondP99(latencies, ratePerSec),
    non2xx: total - ok - errors - timeouts,
    errors,
    timeouts,
    statusCounts: Object.fromEntries(statuses),
  };
}

/**
 * p99 of each second of the schedule: a tail made of a few bad episodes (another tenant's
 * burst, a stall of the box) shows as a low median with a few high seconds; a tail that every
 * second shares is a per-request cost.
 */
function perSecondP99(latencies, ratePerSec) {
  const perSecond = Math.max(1, Math.round(ratePerSec));
  const p99s = [];
  for (let start = 0; start + perSecond <= latencies.length; start += perSecond) {
    p99s.push(percentile(Float64Array.from(latencies.subarray(start, start + perSecond)).sort(), 99));
  }
  const sorted = p99s.sort((a, b) => a - b);
  const ms = (value) => (value === undefined ? null : Math.round(value * 10) / 10);
  return {
    seconds: sorted.length,
    p99MedianMs: ms(sorted[Math.floor(sorted.length / 2)]),
    p99WorstMs: ms(sorted.at(-1)),
    secondsWithP99Over20ms: sorted.filter((value) => value >= 20).length,
  };
}

const round = (value) => Math.round(value * 10) / 10;
