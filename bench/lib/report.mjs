// Turns the measured figures into the one table (Markdown, readable in a terminal and
// pasted as is into docs/performance.md), the targets with pass/fail, and the JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The issue's targets, each computed from this run's own figures. */
const TARGETS = [
  {
    id: 'credit-spread-ratio',
    text: 'spread credits ≥ 1.5× DB reference',
    unit: '×',
    value: (r) => ratio(r, 'credit-spread', 'ref-db-spread'),
    pass: (v) => v >= 1.5,
  },
  {
    id: 'debit-hot-ratio',
    text: 'hot debits ≥ 2× DB reference (hot)',
    unit: '×',
    value: (r) => ratio(r, 'debit-hot', 'ref-db-hot'),
    pass: (v) => v >= 2,
  },
  {
    id: 'debit-hot-409',
    text: 'hot debits: zero 409 concurrent_modification',
    unit: '',
    value: (r) => r.scenarios['debit-hot']?.concurrentModification ?? null,
    pass: (v) => v === 0,
  },
  {
    id: 'replay-ratio',
    text: 'replay ≥ 50% of HTTP ceiling',
    unit: '×',
    value: (r) => ratio(r, 'replay', 'ceiling'),
    pass: (v) => v >= 0.5,
  },
  {
    id: 'history-first-ratio',
    text: 'cached history ≥ 50% of HTTP ceiling',
    unit: '×',
    value: (r) => ratio(r, 'history-first', 'ceiling'),
    pass: (v) => v >= 0.5,
  },
  {
    id: 'write-p99',
    text: 'write p99 < 50 ms (credit, debit, transfer)',
    unit: ' ms',
    value: (r) => worstWriteP99(r),
    pass: (v) => v < 50,
  },
  {
    id: 'api-rss',
    text: 'API peak RSS < 150 MB',
    unit: ' MB',
    value: (r) => r.memory.api?.peakRssMB ?? null,
    pass: (v) => v < 150,
  },
];

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
    if (!figures) continue;
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
  lines.push('', ...renderCpu(run, scenarioList));
  const webhook = run.notifications;
  lines.push(
    '',
    webhook
      ? `Notification latency (commit → webhook received, under credit-spread): p50 ${cell(webhook.p50Ms, ' ms')}, ` +
          `p99 ${cell(webhook.p99Ms, ' ms')}, max ${cell(webhook.maxMs, ' ms')}; ${webhook.received} deliveries received ` +
          `(${webhook.expected} expected, ${webhook.duplicates} duplicates, ${webhook.unreadable} unreadable), drained in ${webhook.drainMs} ms.`
      : `Notification latency: not measured (${run.notificationsSkipped ?? 'credit-spread not run'}).`,
  );
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
  const problems = Object.entries(run.scenarios).filter(([, f]) => Object.keys(f.problems).length > 0);
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

/** CPU of each process group during each measured window, in % of one core (200 = both). */
function renderCpu(run, scenarioList) {
  const groups = ['runner', 'api', 'worker', 'postgres', 'redis', 'reference', 'receiver'];
  const lines = [
    `CPU during the measured window, % of one core (machine has ${run.machine.cpus}; "runner" is autocannon; postgres counts every backend on the box):`,
    '',
    `| scenario | machine | ${groups.join(' | ')} | machine CPU ms per 2xx |`,
    `|---|${'--:|'.repeat(groups.length + 2)}`,
  ];
  for (const scenario of scenarioList) {
    const figures = run.scenarios[scenario.id];
    if (!figures?.cpu) continue;
    const cells = groups.map((group) => cell(figures.cpu.percentOfOneCore[group]));
    lines.push(
      `| ${scenario.id} | ${cell(figures.cpu.machineBusyPercent)} | ${cells.join(' | ')} | ${cell(figures.machineCpuMsPer2xx)} |`,
    );
  }
  return lines;
}

export function writeJson(path, run) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(run, null, 2)}\n`);
}
