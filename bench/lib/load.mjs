// Drives one scenario with autocannon's programmatic API: a short warm-up (not recorded),
// then the measured run. Every request is rebuilt by setupRequest (fresh key and body);
// non-2xx answers are tallied by status and by problem `code` for the report.
import autocannon from 'autocannon';
import { cpuBetween, cpuSnapshot } from './cpu.mjs';

/** A reply slower than this counts as a timeout (autocannon's unit is seconds). */
const REQUEST_TIMEOUT_S = 10;

/** Bodies kept per distinct non-2xx status/code, for diagnosis in the JSON results. */
const SAMPLE_BODY_CHARS = 300;

function once(url, connections, durationSec, scenario, tally, samples) {
  return autocannon({
    url,
    connections,
    duration: durationSec,
    timeout: REQUEST_TIMEOUT_S,
    requests: stepsOf(scenario).map((step) => ({
      // autocannon passes a per-connection context that lives for one pass over the steps.
      setupRequest: (request, context) => {
        const built = step.build(context);
        return built ? { ...request, ...built } : null;
      },
      onResponse:
        tally || step.onResponse
          ? (status, body, context) => {
              step.onResponse?.(status, body, context);
              if (tally && status >= 300) count(tally, samples, status, body);
            }
          : undefined,
    })),
  });
}

/** A one-request scenario has `build`; a chained one (hold, then capture) has `steps`. */
function stepsOf(scenario) {
  return scenario.steps ?? [{ build: () => scenario.build() }];
}

function count(tally, samples, status, body) {
  let code = 'no_code';
  try {
    code = JSON.parse(body)?.code ?? 'no_code';
  } catch {
    code = 'not_json';
  }
  const key = `${status} ${code}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  if (!samples.has(key)) samples.set(key, String(body).slice(0, SAMPLE_BODY_CHARS));
}

/**
 * Runs warm-up then measurement; returns the figures the report needs. `cpuPids` names the
 * processes whose CPU time is read around the measured part ({ api, worker, ... }).
 */
export async function runScenario(url, scenario, { connections, durationSec, warmupSec, cpuPids }) {
  if (warmupSec > 0) await once(url, connections, warmupSec, scenario, null, null);
  const problems = new Map();
  const samples = new Map();
  const startedAtMs = Date.now();
  const cpuBefore = cpuSnapshot(cpuPids);
  const result = await once(url, connections, durationSec, scenario, problems, samples);
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(cpuPids));
  const statusCounts = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]),
  );
  const total = Object.values(statusCounts).reduce((sum, count) => sum + count, 0);
  const ok = Object.entries(statusCounts)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  const okPerSec = ok / result.duration;
  const requestsPerOperation = scenario.requestsPerOperation ?? 1;
  return {
    startedAtMs,
    finishedAtMs: Date.now(),
    durationSec: result.duration,
    requests: total,
    okPerSec: round(okPerSec),
    // Completed operations (e.g. hold + capture = one): what ratios between scenarios compare.
    requestsPerOperation,
    operationsPerSec: round(okPerSec / requestsPerOperation),
    reqPerSec: round(total / result.duration),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    problems: Object.fromEntries(problems),
    problemSamples: Object.fromEntries(samples),
    cpu,
    // Whole-machine CPU per useful reply: on a saturated box this is what bounds throughput.
    machineCpuMsPer2xx:
      cpu.machineBusyPercent === null || okPerSec === 0
        ? null
        : Math.round((cpu.machineBusyPercent * 1000) / okPerSec) / 100,
    cpuMsPer2xxByGroup:
      okPerSec === 0
        ? null
        : Object.fromEntries(
            Object.entries(cpu.percentOfOneCore).map(([group, percent]) => [
              group,
              Math.round((percent * 1000) / okPerSec) / 100,
            ]),
          ),
    concurrentModification: [...problems]
      .filter(([key]) => key.endsWith(' concurrent_modification'))
      .reduce((sum, [, n]) => sum + n, 0),
  };
}

const round = (value) => Math.round(value * 10) / 10;
