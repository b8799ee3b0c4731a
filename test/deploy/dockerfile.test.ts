// Goal: the images are multi-stage, run production-only deps as a non-root PID 1 that gets
// SIGTERM, and probe the right port. Method: parse the Dockerfile's instructions (no engine here).
import t from 'tap';
import { EnvSchema } from '@wallet/config';
import { dockerStages, parseDockerfile, readRepoFile, stageChain, type DockerStage } from './deploy-files.js';

const { globalArgs, stages } = dockerStages(parseDockerfile(readRepoFile('Dockerfile')));
const rootPackage = JSON.parse(readRepoFile('package.json')) as { workspaces: string[] };

const targets = [
  { name: 'api', entry: 'apps/api/dist/main.js', portVariable: 'PORT', defaultPort: EnvSchema.properties.PORT.default },
  {
    name: 'worker',
    entry: 'apps/worker/dist/main.js',
    portVariable: 'WORKER_PORT',
    defaultPort: EnvSchema.properties.WORKER_PORT.default,
  },
] as const;

const runs = (stage: DockerStage | undefined) =>
  (stage?.instructions ?? []).filter((i) => i.keyword === 'RUN').map((i) => i.args);
const last = (chain: DockerStage[], keyword: string) =>
  chain
    .flatMap((stage) => stage.instructions)
    .filter((i) => i.keyword === keyword)
    .at(-1);
const resolveArgs = (image: string) => image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs.get(a ?? b) ?? '');

t.test('parser sees what a Dockerfile holds and refuses a dangling continuation', async (t) => {
  const parsed = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  # note\n  && y\nCMD ["node"]\n');
  t.same(
    parsed.map((i) => [i.keyword, i.args]),
    [
      ['FROM', 'a AS b'],
      ['RUN', 'x && y'],
      ['CMD', '["node"]'],
    ],
  );
  t.throws(() => parseDockerfile('FROM a\nRUN x \\'));
});

t.test('multi-stage: a build stage with dev deps, a production-deps stage, two runtime targets', async (t) => {
  t.ok(stages.length >= 4, 'at least build, deps, runtime, targets');
  const build = stages.find((stage) => stage.name === 'build');
  t.ok(
    runs(build).some((run) => /\bnpm ci\b/.test(run) && !/--omit=dev/.test(run)),
    'build installs dev deps',
  );
  t.ok(
    runs(build).some((run) => /\bnpm run build\b/.test(run)),
    'build runs npm run build',
  );
  const prodDeps = stages.find((stage) => runs(stage).some((run) => /\bnpm ci\b.*--omit=dev/.test(run)));
  t.ok(prodDeps, 'a stage installs production deps only');
  for (const target of targets) {
    const chain = stageChain(stages, target.name);
    t.ok(chain.length > 0, `target ${target.name} exists`);
    const runtimeRuns = chain.flatMap((stage) => runs(stage));
    t.notOk(
      runtimeRuns.some((run) => /\bnpm (ci|install)\b/.test(run)),
      `${target.name} installs nothing itself`,
    );
    const copies = chain
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'COPY')
      .map((i) => i.args);
    t.ok(
      copies.every((copy) => copy.startsWith('--from=')),
      `${target.name} copies only from earlier stages`,
    );
    t.ok(
      copies.some((copy) => copy.startsWith(`--from=${prodDeps!.name}`)),
      `${target.name} takes node_modules from ${prodDeps!.name}`,
    );
    t.notOk(
      copies.some((copy) => /--from=build\s+\/app\s/.test(copy)),
      `${target.name} does not copy the whole build tree`,
    );
  }
});

t.test('base image is Node 24 slim', async (t) => {
  for (const stage of stages.filter((s) => !stages.some((other) => other.name === s.from.toLowerCase()))) {
    t.match(resolveArgs(stage.from), /^node:24[.\d]*-(bookworm|trixie)-slim$/, `stage ${stage.name} base`);
  }
});

t.test('every workspace manifest is copied before both npm ci runs', async (t) => {
  for (const stage of stages.filter((s) => runs(s).some((run) => /\bnpm ci\b/.test(run)))) {
    // The manifests may come from a parent stage (a shared `manifests` stage).
    const copies = (stage.name ? stageChain(stages, stage.name) : [stage])
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY')
      .map((i) => i.args);
    t.ok(
      copies.some((copy) => /^package\.json package-lock\.json /.test(copy)),
      `${stage.name}: root manifests`,
    );
    for (const workspace of rootPackage.workspaces) {
      t.ok(copies.includes(`${workspace}/package.json ${workspace}/`), `${stage.name}: ${workspace}/package.json`);
    }
  }
});

/** Read by Node itself, not by the app's config: the heap cap lives here. */
const NODE_RUNTIME_VARIABLES = new Set(['NODE_OPTIONS']);

for (const target of targets) {
  t.test(`${target.name} target: production, non-root, exec-form node as PID 1, healthcheck`, async (t) => {
    const chain = stageChain(stages, target.name);
    const envs = chain
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args);
    t.ok(
      envs.some((env) => /(^|\s)NODE_ENV=production(\s|$)/.test(env)),
      'NODE_ENV=production',
    );
    t.ok(
      envs.some((env) => /(^|\s)NODE_OPTIONS=--max-old-space-size=\d+(\s|$)/.test(env)),
      'the V8 heap is capped',
    );
    for (const env of envs) {
      for (const name of env.split(/\s+/).map((pair) => pair.split('=')[0]!)) {
        t.ok(
          name in EnvSchema.properties || NODE_RUNTIME_VARIABLES.has(name),
          `ENV ${name} is a config variable or Node's own`,
        );
      }
    }

    const user = last(chain, 'USER');
    t.ok(user, 'USER is set');
    t.match(user!.args, /^[1-9]\d*(:[1-9]\d*)?$/, 'numeric non-root uid (Kubernetes can verify runAsNonRoot)');

    const entrypoint = last(chain, 'ENTRYPOINT');
    t.equal(entrypoint?.args, '[]', 'the base image entrypoint script is cleared');
    const cmd = last(chain, 'CMD');
    t.same(JSON.parse(cmd!.args), ['node', target.entry], 'exec-form CMD runs node directly');

    const expose = chain
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'EXPOSE')
      .map((i) => i.args);
    t.same(expose, [String(target.defaultPort)], `EXPOSE ${target.portVariable} default`);

    const healthcheck = last(chain, 'HEALTHCHECK');
    t.ok(healthcheck, 'HEALTHCHECK present');
    const match = /^(?:--\S+\s+)*CMD\s+(\[.*\])$/.exec(healthcheck!.args);
    t.ok(match, 'HEALTHCHECK uses exec-form CMD');
    const command = JSON.parse(match![1]!) as string[];
    t.equal(command[0], 'node', 'the probe is node itself (no curl in slim images)');
    const script = command.at(-1)!;
    t.match(script, /\/health\/live/);
    t.match(
      script,
      new RegExp(`process\\.env\\.${target.portVariable}\\|\\|${target.defaultPort}\\b`),
      'probes the configured port',
    );
    t.match(healthcheck!.args, /--timeout=\d+s/, 'bounded probe');
  });
}

t.test('.dockerignore keeps local artefacts and secrets out of the context', async (t) => {
  const patterns = readRepoFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const required of ['**/node_modules', '**/dist', '.git', '.env', '.env.*']) {
    t.ok(patterns.includes(required), `ignores ${required}`);
  }
  for (const needed of ['packages', 'apps', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.base.json']) {
    t.notOk(patterns.includes(needed), `keeps ${needed}`);
  }
  // `npm run build` generates the client's types from the committed OpenAPI document.
  t.ok(patterns.includes('!docs/openapi.json'), 'keeps docs/openapi.json');
});
