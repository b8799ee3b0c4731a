// Cost curves (issue 14 item 5): one scenario measured at several points — connections,
// wallets, history depth — with short closed-loop runs, so how throughput and p99 bend is
// visible in one run. Each point is a runScenario call; the history points also read the
// API's cache counters to say how many pages came from Redis.
import { runScenario } from './load.mjs';
import { parseMetrics } from './tail.mjs';

async function cacheCounts(metricsUrl) {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
    const metrics = parseMetrics(await response.text());
    const count = (result) =>
      metrics.find((m) => m.name.endsWith('history_cache_total') && m.labels.result === result)?.value ?? 0;
    return { hit: count('hit'), miss: count('miss') };
  } catch {
    return null;
  }
}

/**
 * Runs every point of `scenario.points`; `between()` runs after each write point (the
 * outbox drain), so one point's notifications do not eat the next one's CPU.
 */
export async function runCurve(url, scenario, { durationSec, warmupSec, cpuPids, metricsUrl, between, log }) {
  const points = [];
  for (const point of scenario.points) {
    await point.prepare?.();
    const before = scenario.writes ? null : await cacheCounts(metricsUrl);
    const figures = await runScenario(
      url,
      { build: point.build },
      {
        connections: point.connections,
        durationSec,
        warmupSec,
        cpuPids,
      },
    );
    const after = scenario.writes ? null : await cacheCounts(metricsUrl);
    const lookups = before && after ? after.hit - before.hit + (after.miss - before.miss) : 0;
    points.push({
      label: point.label,
      connections: point.connections,
      wallets: point.wallets ?? null,
      depth: point.depth ?? null,
      cached: point.cached ?? null,
      okPerSec: figures.okPerSec,
      latencyMs: figures.latencyMs,
      non2xx: figures.non2xx,
      errors: figures.errors,
      concurrentModification: figures.concurrentModification,
      machineCpuMsPer2xx: figures.machineCpuMsPer2xx,
      cpuPercent: figures.cpu.percentOfOneCore,
      // Warm-up included: the share of page lookups answered from Redis around this point.
      cacheHitShare: lookups > 0 ? Math.round(((after.hit - before.hit) / lookups) * 1000) / 1000 : null,
    });
    log(
      `${scenario.id} ${point.label}: ${figures.okPerSec} 2xx/s, p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms`,
    );
    if (scenario.writes) await between(`${scenario.id} ${point.label}`);
  }
  return { kind: 'curve', points };
}
