// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per origin
// (our packages, each node_modules package, node internals, GC), so the report can name what
// costs most without committing the raw profile.
import { readFileSync } from 'node:fs';

/** Rows kept in each ranking. */
const TOP_FUNCTIONS = 25;
const TOP_ORIGINS = 15;

function originOf(url) {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (modules) return modules[1];
  const ours = url.match(/\/(apps|packages)\/([^/]+)\//);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.replace(/^file:\/\//, '');
}

export function summariseProfile(path) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const byFunction = new Map();
  const byOrigin = new Map();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const origin = originOf(url);
    const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(node_modules|apps|packages)\//, '$1/')}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
  }
  const rank = (map, top) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 1000), percent: Math.round((us / totalUs) * 1000) / 10 }));
  return { totalMs: Math.round(totalUs / 1000), samples: profile.samples.length, functions: rank(byFunction, TOP_FUNCTIONS), origins: rank(byOrigin, TOP_ORIGINS) };
}

export function renderProfile(summary) {
  const lines = [`CPU profile: ${summary.totalMs} ms sampled (${summary.samples} samples)`, '', '| self % | self ms | origin |', '|--:|--:|---|'];
  for (const row of summary.origins) lines.push(`| ${row.percent} | ${row.selfMs} | ${row.name} |`);
  lines.push('', '| self % | self ms | function |', '|--:|--:|---|');
  for (const row of summary.functions) lines.push(`| ${row.percent} | ${row.selfMs} | ${row.name} |`);
  return lines.join('\n');
}
