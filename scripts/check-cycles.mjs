// Fails when a relative-import cycle exists inside any package's or app's src/ (STYLE.md §12).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const roots = ['packages', 'apps'].flatMap((top) => readdirSync(top).map((name) => join(top, name, 'src')));
const files = roots.flatMap((root) => walk(root)).filter((file) => file.endsWith('.ts'));
const graph = new Map(files.map((file) => [resolve(file), importsOf(file)]));

function walk(dir) {
  try {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  } catch {
    return [];
  }
}

function importsOf(file) {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map(
    (m) => m[1],
  );
  return specifiers
    .filter((spec) => !/^import\s+type\b/.test(spec))
    .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
}

const state = new Map();
const cycles = [];
function visit(node, stack) {
  state.set(node, 'open');
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next)) continue;
    if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
    else if (!state.has(next)) visit(next, [...stack, next]);
  }
  state.set(node, 'done');
}
for (const node of graph.keys()) if (!state.has(node)) visit(node, [node]);

if (cycles.length > 0) {
  for (const cycle of cycles)
    console.error(`import cycle: ${cycle.map((p) => p.replace(process.cwd() + '/', '')).join(' -> ')}`);
  process.exit(1);
}
console.log(`no import cycles in ${graph.size} files`);
