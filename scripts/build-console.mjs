// Bundles the web console (apps/api/console/src/main.ts) into apps/api/dist/console with
// esbuild, next to its static index.html; the API serves that folder at /console.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';

const source = 'apps/api/console';
const target = 'apps/api/dist/console';
if (!existsSync(`${source}/src/main.ts`)) {
  console.error(`build-console: ${source}/src/main.ts not found`);
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
  logLevel: 'warning',
});
cpSync(`${source}/public`, target, { recursive: true });
