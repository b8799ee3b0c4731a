// Turns the measured figures into the one table (Markdown, readable in a terminal and
// pasted as is into docs/performance.md), the targets with pass/fail, and the JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The issue's targets, each computed from this run's own figures. */
const TARGETS = [
  ratioTarget('credit-spread-ratio', 'spread credits ≥ 1.5× DB reference', 'credit-spread', 'ref-db-spread', 1.5),
  ratioTarget('debit-hot-ratio', 'hot debits ≥ 2× DB reference (hot)', 'debit-hot', 'ref-db-hot', 2),
  {
    id: 'debit-hot-409',
    text: 'hot debits: zero 409 concurrent_modification',
    unit: '',
    value: (r) => r.scenarios['debit-hot']?.concurrentModification ?? null,
    pass: (v) => v === 0,
  },
  ratioTarget('replay-ratio', 'replay ≥ 50% of HTTP ceiling', 'replay', 'ceiling', 0.5),
  ratioTarget('history-first-ratio', 'cached history ≥ 50% of HTTP ceiling', 'history-first', 'ceiling', 0.5),
  {
    id: 'write-p99',
    text: 'write p99 < 50 ms (credit, debit, transfer)',
    unit: ' ms',
    value: (r) => worstWriteP99(r),
    pass: (v) => v < 50,
  },
  {
    id: 'credit-open-p99',
    text: 'credit p99 < 20 ms at half saturation (open loop)',
    unit: ' ms',
    value: (r) => r.scenarios['credit-open']?.latencyMs.p99 ?? null,
    pass: (v) => v < 20,
  },
  {
    id: 'api-rss',
    text: 'API peak RSS < 150 MB',
    unit: ' MB',
    value: (r) => r.memory.api?.peakRssMB ?? null,
    pass: (v) => v < 150,
  },
];

/** A target "`id`'s operations per second ≥ `min` × `referenceId`'s". */
function ratioTarget(id, text, scenarioId, referenceId, min) {
  return { id, text, unit: '×', value: (r) => ratio(r, scenarioId, referenceId), pass: (v) => v >= min };
}

/** Operations per second (a hold + capture pair is one), against the reference's. */
function ratio(run, id, referenceId) {
  const perSec = (figures) => figures?.operationsPerSec ?? figures?.okPerSec;
  const measured = perSec(run.scenarios[id]);
  const reference = perSec(run.scenarios[referenceId]);
  if (!measured || !reference) return null;
  return Math.round((measured / reference) * 100) / 100;
}

function worstWriteP99(run) {
  const p99s = ['credit-spread', 'debit-hot', 'transfer-random']
    .map((id) => run.scenarios[id]?.latencyMs.p99)
    .filter((v) => v !== undefined);
  return p99s.length === 0 ? null : Math.max(...p99s);
}

export function evaluateTargets(run) {
  return TARGETS.map((target) => {
    const value = target.value(run);
    return {
      id: target.id,
      text: target.text,
      value,
      unit: target.unit,
      pass: value === null ? null : target.pass(value),
    };
  });
}

const cell = (value, suffix = '') => (value === null || value === undefined ? '–' : `${value}${suffix}`);

/** The whole report as Markdown: scenarios, notification latency, memory, targets. */
export function renderReport(run, scenarioList) {
  const lines = [
    `| scenario | req/s | 2xx/s | p50 ms | p99 ms | max ms | non-2xx | 409 c_m | errors | ratio (ops/s) | vs |`,
    `|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|`,
  ];
  for (const scenario of scenarioList) {
    const figures = run.scenarios[scenario.id];
    if (!figures || scenario.kind === 'open') continue;
    const r = scenario.reference ? ratio(run, scenario.id, scenario.reference) : null;
    lines.push(
      `| ${scenario.id}: ${scenario.label} | ${figures.reqPerSec} | ${figures.okPerSec} | ${figures.latencyMs.p50} | ` +
        `${figures.latencyMs.p99} | ${figures.latencyMs.max} | ${figures.non2xx} | ${figures.concurrentModification} | ` +
        `${figures.errors} | ${cell(r, '×')} | ${scenario.reference ?? 'reference'} |`,
    );
  }
  const holdCapture = run.scenarios['hold-capture'];
  if (holdCapture) {
    lines.push(
      '',
      `hold-capture: ${holdCapture.operationsPerSec} operations/s (a hold and its capture, ${holdCapture.okPerSec} 2xx/s), ` +
        `${cell(ratio(run, 'hold-capture', 'credit-spread'), '×')} of credit-spread's credits/s ` +
        '(two writes per operation against one: 0.5× is parity per request).',
    );
  }
  lines.push(...renderOpenLoop(run), ...renderCurves(run));
  lines.push('', ...renderCpu(run, scenarioList));
  lines.push('', renderNotifications(run.notifications, 'credit-spread', run.notificationsSkipped));
  if (run.notificationsOpen) lines.push(renderNotifications(run.notificationsOpen, 'credit-open'));
  lines.push(
    `Peak RSS: API ${cell(run.memory.api?.peakRssMB, ' MB')} (${cell(run.memory.api?.afterStartMB, ' MB')} right after start), ` +
      `worker ${cell(run.memory.worker?.peakRssMB, ' MB')} (${cell(run.memory.worker?.afterStartMB, ' MB')} after start), ` +
      `reference server ${cell(run.memory.reference?.peakRssMB, ' MB')}.`,
  );
  const heap = (h) =>
    h
      ? `heap ${cell(h.heapUsedMB)}/${cell(h.heapTotalMB)} MB used/total, external ${cell(h.externalMB, ' MB')}, RSS ${cell(h.rssMB, ' MB')}`
      : '–';
  lines.push(
    `V8 heap (from /metrics) — API after start: ${heap(run.memory.api?.heapAfterStart)}; at end: ${heap(run.memory.api?.heapAtEnd)}. ` +
      `Worker at end: ${heap(run.memory.worker?.heapAtEnd)}.`,
  );
  lines.push('', '| target | this run | pass |', '|---|--:|:-:|');
  for (const target of run.targets) {
    lines.push(
      `| ${target.text} | ${cell(target.value, target.unit)} | ${target.pass === null ? 'n/a' : target.pass ? 'PASS' : 'FAIL'} |`,
    );
  }
  const problems = Object.entries(run.scenarios).filter(([, f]) => Object.keys(f.problems ?? {}).length > 0);
  if (problems.length > 0) {
    lines.push('', 'Non-2xx answers by status and code:');
    for (const [id, figures] of problems)
      lines.push(
        `- ${id}: ${Object.entries(figures.problems)
          .map(([k, n]) => `${k} ×${n}`)
          .join(', ')}`,
      );
  }
  return lines.join('\n');
}

/** The open-loop run and what its tail was made of (lib/tail.mjs). */
function renderOpenLoop(run) {
  const open = run.scenarios['credit-open'];
  if (!open) return [];
  const { latencyMs: l, generatorLagMs: g, tail } = open;
  const gc = Object.entries(tail.gc)
    .map(
      ([kind, f]) => `${kind} ${f.count}× (${f.totalMs} ms total, mean ${f.meanMs} ms, ${cell(f.over10ms)} over 10 ms)`,
    )
    .join('; ');
  const share = tail.apiServerTimeShare;
  const slices = tail.cpuSlicesPercent;
  return [
    '',
    `Open loop (credit-open): ${open.targetRatePerSec} req/s scheduled (${open.saturationPerSec} 2xx/s × 0.5) for ${open.durationSec} s, ` +
      `${open.requests} requests, ${open.okPerSec} 2xx/s, non-2xx ${open.non2xx}, errors ${open.errors}, timeouts ${open.timeouts}.`,
    '',
    '| from scheduled send | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |',
    '|---|--:|--:|--:|--:|--:|',
    `| credit latency | ${l.p50} | ${l.p90} | ${l.p99} | ${l.p999} | ${l.max} |`,
    `| generator lag (actual − scheduled send) | ${g.p50} | – | ${g.p99} | – | ${g.max} |`,
    '',
    `p99 of each second: median ${cell(open.perSecond?.p99MedianMs, ' ms')}, worst ${cell(open.perSecond?.p99WorstMs, ' ms')}; ` +
      `${cell(open.perSecond?.secondsWithP99Over20ms)} of ${cell(open.perSecond?.seconds)} seconds had a p99 ≥ 20 ms.`,
    '',
    `Tail probe during the window — API event-loop stall (beyond the 10 ms sampling timer) p50 ` +
      `${cell(tail.eventLoopStallMs.p50, ' ms')}, p99 ${cell(tail.eventLoopStallMs.p99, ' ms')}, ` +
      `max ${cell(tail.eventLoopStallMs.max, ' ms')}; GC: ${gc || 'none'}; ` +
      `API's own time per credit ≤5/10/25/50 ms: ${cell(share.le5ms, '%')}/${cell(share.le10ms, '%')}/` +
      `${cell(share.le25ms, '%')}/${cell(share.le50ms, '%')} of ${cell(share.requests)}; ` +
      `busy API pool connections p50 ${cell(tail.pool.busyP50)}, max ${cell(tail.pool.busyMax)} of ${tail.pool.poolMax} ` +
      `(${tail.pool.samplesAtMax} of ${tail.pool.samples} samples at the max); CPU per 100 ms slice, % of a core: ` +
      `API p50 ${cell(slices.api?.p50)} p90 ${cell(slices.api?.p90)} max ${cell(slices.api?.max)}, worker p50 ` +
      `${cell(slices.worker?.p50)} p90 ${cell(slices.worker?.p90)} max ${cell(slices.worker?.max)}; machine idle ` +
      `${cell(tail.machine.idlePercent, '%')}, steal ${cell(tail.machine.stealPercent, '%')}.`,
    ...(tail.commitFloor
      ? [
          `Commit floor before the window (${tail.commitFloor.commits} one-row INSERTs, one connection, each its own ` +
            `WAL flush): p50 ${tail.commitFloor.p50Ms} ms, p99 ${tail.commitFloor.p99Ms} ms, max ${tail.commitFloor.maxMs} ms.`,
        ]
      : []),
  ];
}

/** Each cost curve as a table: one row per point. */
function renderCurves(run) {
  const lines = [];
  for (const [id, curve] of Object.entries(run.curves ?? {})) {
    if (curve.points.length === 0) continue;
    lines.push(
      '',
      `Curve ${id}:`,
      '',
      '| point | 2xx/s | p50 ms | p99 ms | non-2xx | machine CPU ms per 2xx | cache hits |',
    );
    lines.push('|---|--:|--:|--:|--:|--:|--:|');
    for (const p of curve.points) {
      const hits = p.cacheHitShare === null ? '–' : `${Math.round(p.cacheHitShare * 100)}%`;
      lines.push(
        `| ${p.label} | ${p.okPerSec} | ${p.latencyMs.p50} | ${p.latencyMs.p99} | ${p.non2xx} | ${cell(p.machineCpuMsPer2xx)} | ${hits} |`,
      );
    }
  }
  return lines;
}

/** CPU of each process group during each measured window, in % of one core (200 = both). */
function renderCpu(run, scenarioList) {
  const groups = ['runner', 'api', 'worker', 'postgres', 'redis', 'reference', 'receiver'];
  const lines = [
    `CPU during the measured window, % of one core (machine has ${run.machine.cpus}; "runner" is autocannon; postgres counts every backend on the box):`,
    '',
    `| scenario | machine | ${groups.join(' | ')} | machine CPU ms per 2xx | worker CPU ms per 2xx |`,
    `|---|${'--:|'.repeat(groups.length + 3)}`,
  ];
  for (const scenario of scenarioList) {
    const figures = run.scenarios[scenario.id];
    if (!figures?.cpu) continue;
    const cells = groups.map((group) => cell(figures.cpu.percentOfOneCore[group]));
    lines.push(
      `| ${scenario.id} | ${cell(figures.cpu.machineBusyPercent)} | ${cells.join(' | ')} | ` +
        `${cell(figures.machineCpuMsPer2xx)} | ${cell(workerCpuMsPer2xx(figures))} |`,
    );
  }
  return lines;
}

/**
 * The worker's CPU per useful reply (% of one core is 10 ms per second): under credit-quiet,
 * whose credits have no endpoint, this is the outbox relay's cost per event.
 */
function workerCpuMsPer2xx(figures) {
  const percent = figures.cpu.percentOfOneCore.worker;
  if (percent === undefined || !figures.okPerSec) return null;
  return Math.round(((percent * 10) / figures.okPerSec) * 1000) / 1000;
}

export function writeJson(path, run) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(run, null, 2)}\n`);
}

/** One line of notification latency (event occurredAt → webhook received) under one scenario. */
function renderNotifications(webhook, scenarioId, skipped) {
  if (!webhook) return `Notification latency: not measured (${skipped ?? `${scenarioId} not run`}).`;
  return (
    `Notification latency (commit → webhook received, under ${scenarioId}): p50 ${cell(webhook.p50Ms, ' ms')}, ` +
    `p99 ${cell(webhook.p99Ms, ' ms')}, max ${cell(webhook.maxMs, ' ms')}; ${webhook.received} deliveries received ` +
    `(${webhook.expected} expected, ${webhook.duplicates} duplicates, ${webhook.unreadable} unreadable), drained in ${webhook.drainMs} ms.`
  );
}
