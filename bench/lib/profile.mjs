// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per origin
// (our packages, each node_modules package, node internals, GC), so the report can name what
// costs most without committing the raw profile. Native frames (writev, JSON, crypto) are
// named with their nearest JavaScript caller, and they and node internals are charged to the
// nearest user-land caller's origin (see describe). Only samples inside the measured
// window count: start-up, seeding and warm-up stay out.
import { readFileSync } from 'node:fs';

/** Rows kept in each ranking. */
const TOP_FUNCTIONS = 25;
const TOP_ORIGINS = 15;
const TOP_OURS = 15;
const OUR_CODE = /\/(apps|packages)\/[^/]+\/dist\//;
/** V8's pseudo-frames: not code anybody can change, reported as they are. */
const PSEUDO = new Set(['(garbage collector)', '(idle)', '(program)', '(root)']);

function originOf(url) {
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (modules) return modules[1];
  const ours = url.match(/\/(apps|packages)\/([^/]+)\//);
  if (ours) return `${ours[1]}/${ours[2]}`;
  return url.replace(/^file:\/\//, '');
}

const shortUrl = (url) => url.replace(/^.*\/(node_modules|apps|packages)\//, '$1/').replace(/^file:\/\//, '');
const frameName = (frame) => `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;

/**
 * @param path     the .cpuprofile
 * @param window   { fromMs, toMs }: offsets from the profile's start; samples outside are skipped
 */
export function summariseProfile(path, window = { fromMs: 0, toMs: Number.POSITIVE_INFINITY }) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const selfUs = new Map();
  let elapsedUs = 0;
  profile.samples.forEach((id, index) => {
    elapsedUs += profile.timeDeltas[index] ?? 0;
    const atMs = elapsedUs / 1000;
    if (atMs < window.fromMs || atMs > window.toMs) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const byFunction = new Map();
  const byOrigin = new Map();
  const byOurs = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { name, origin } = describe(id, nodes, parents);
    const ours = nearestOurFrame(id, nodes, parents, name);
    totalUs += us;
    if (name === '(idle)') idleUs += us;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
    byOurs.set(ours, (byOurs.get(ours) ?? 0) + us);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  const rank = (map, top) =>
    [...map]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        selfMs: Math.round(us / 1000),
        percentOfBusy: Math.round((us / busyUs) * 1000) / 10,
      }));
  return {
    windowMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    origins: rank(byOrigin, TOP_ORIGINS),
    functions: rank(byFunction, TOP_FUNCTIONS),
    ourCode: rank(byOurs, TOP_OURS),
  };
}

/**
 * The nearest frame of our own code (apps/*, packages/*) above a sample: everything a
 * library does on our behalf (a Redis SET, a query, a JSON.stringify) is charged to the line
 * of ours that asked for it. Samples with no frame of ours are framework or runtime work.
 */
function nearestOurFrame(id, nodes, parents, name) {
  if (PSEUDO.has(name)) return name;
  let current = id;
  for (let depth = 0; current !== undefined && depth < 200; depth++) {
    const frame = nodes.get(current).callFrame;
    if (OUR_CODE.test(frame.url)) return frameName(frame);
    current = parents.get(current);
  }
  return '(no frame of ours: HTTP, framework plugins, driver I/O callbacks)';
}

/**
 * Name and origin of a sample's frame. Native frames are named with their nearest JavaScript
 * caller; the origin of native and node-internal frames is the nearest user-land caller (a
 * package or our code), so socket writes are charged to whoever wrote (pg, ioredis, fastify).
 */
function describe(id, nodes, parents) {
  const frame = nodes.get(id).callFrame;
  if (PSEUDO.has(frame.functionName)) return { name: frame.functionName, origin: frame.functionName };
  let name = frame.url ? frameName(frame) : null;
  let origin = frame.url && !frame.url.startsWith('node:') ? originOf(frame.url) : null;
  let parent = parents.get(id);
  for (let depth = 0; parent !== undefined && (name === null || origin === null) && depth < 200; depth++) {
    const caller = nodes.get(parent).callFrame;
    if (name === null && caller.url) name = `${frame.functionName || '(native)'} ← ${frameName(caller)}`;
    if (origin === null && caller.url && !caller.url.startsWith('node:')) origin = originOf(caller.url);
    parent = parents.get(parent);
  }
  return {
    name: name ?? (frame.functionName || '(native)'),
    origin: origin ?? (frame.url ? 'node internals' : '(native/V8)'),
  };
}

export function renderProfile(summary) {
  const lines = [
    `CPU profile of the API over the measured window: ${summary.windowMs} ms sampled, ${summary.busyMs} ms not idle, ${summary.idleMs} ms idle.`,
    'V8 samples wall-clock time: a thread descheduled inside a system call (a socket write that wakes PostgreSQL',
    'or Redis on a saturated machine) is charged to that call. Read true CPU use from the CPU table of a full run.',
    '',
    '| % of not idle | self ms | origin (native and node-internal frames charged to their user-land caller) |',
    '|--:|--:|---|',
  ];
  for (const row of summary.origins) lines.push(`| ${row.percentOfBusy} | ${row.selfMs} | ${row.name} |`);
  lines.push('', '| % of not idle | self ms | function |', '|--:|--:|---|');
  for (const row of summary.functions) lines.push(`| ${row.percentOfBusy} | ${row.selfMs} | ${row.name} |`);
  lines.push('', '| % of not idle | self ms | nearest frame of our code (apps/*, packages/*) |', '|--:|--:|---|');
  for (const row of summary.ourCode) lines.push(`| ${row.percentOfBusy} | ${row.selfMs} | ${row.name} |`);
  return lines.join('\n');
}
