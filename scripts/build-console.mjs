// Type-checks and bundles the web console (apps/api/console/src/main.ts) into
// apps/api/dist/console with esbuild, next to its static index.html and stylesheet; the
// API serves that folder at /console. esbuild does not type-check, so tsc runs first.
// A source map is written only for a development build (NODE_ENV=development): production
// images do not ship the console's sources.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
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
const sourcemap = process.env.NODE_ENV === 'development';
// A map left by an earlier development build must not survive into a production one.
if (!sourcemap) rmSync(`${target}/console.js.map`, { force: true });
await build({
  entryPoints: [`${source}/src/main.ts`],
  outfile: `${target}/console.js`,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap,
  legalComments: 'none',
  logLevel: 'warning',
});
cpSync(`${source}/public`, target, { recursive: true });
