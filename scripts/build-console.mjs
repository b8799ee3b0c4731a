// Type-checks and bundles the web console (apps/api/console/src/main.ts) into
// apps/api/dist/console with esbuild, next to its static index.html and stylesheet; the
// API serves that folder at /console. esbuild does not type-check, so tsc runs first.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const source = 'apps/api/console';
const target = 'apps/api/dist/console';
if (!existsSync(`${source}/src/main.ts`)) {
  console.error(`build-console: ${source}/src/main.ts not found`);
  process.exit(1);
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', `${source}/tsconfig.json`], { stdio: 'inherit' });
} catch {
  console.error('build-console: type errors in the console sources');
  process.exit(1);
}
mkdirSync(target, { recursive: true });
await build({
  entryPoints: [`${source}/src/main.ts`],
  outfile: `${target}/console.js`,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
cpSync(`${source}/public`, target, { recursive: true });
