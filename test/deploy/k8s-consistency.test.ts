// Goal: the Kubernetes manifests agree with the code and with each other: config variables,
// probe paths and ports, drain timing, labels and selectors, security, images, queue keys.
// Method: load what `kubectl apply -k k8s` would create and cross-check it with EnvSchema,
// loadConfig, the queue naming of @wallet/queue and the compose file.
import t from 'tap';
import { EnvSchema, loadConfig, type Config } from '@wallet/config';
import { queueNaming } from '@wallet/queue';
import {
  findObject,
  loadKustomizedManifests,
  loadManifests,
  readCompose,
  readKustomization,
  type JsonObject,
  type K8sObject,
} from './deploy-files.js';

interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: { port: string | number };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: JsonObject;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: JsonObject;
}
interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

const docs = loadKustomizedManifests();
const kustomization = readKustomization();
const secretExample = loadManifests(['secret.example.yaml'])[0]!.object as K8sObject & {
  stringData: Record<string, string>;
};
const configMap = findObject(docs, 'ConfigMap', 'wallet-config') as K8sObject & { data: Record<string, string> };
const api = findObject(docs, 'Deployment', 'wallet-api') as Workload;
const worker = findObject(docs, 'Deployment', 'wallet-worker') as Workload;
const workloads = docs
  .map((doc) => doc.object)
  .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind)) as Workload[];
const apps = [
  { workload: api, requireJwt: true, portVariable: 'PORT' as const },
  { workload: worker, requireJwt: false, portVariable: 'WORKER_PORT' as const },
];

/** What the container's process.env holds: ConfigMap/Secret via envFrom, then explicit env. */
function effectiveEnv(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  const source = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> => {
    if (kind === 'Secret') {
      if (secretExample.metadata.name !== name) throw new Error(`unknown Secret ${name}`);
      return secretExample.stringData;
    }
    return (findObject(docs, 'ConfigMap', name) as K8sObject & { data: Record<string, string> }).data;
  };
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, source('ConfigMap', from.configMapRef.name));
    if (from.secretRef) Object.assign(env, source('Secret', from.secretRef.name));
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
    const value = ref
      ? source(variable.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name)[ref.key]
      : variable.value;
    if (value === undefined) throw new Error(`${container.name}: ${variable.name} resolves to nothing`);
    env[variable.name] = value;
  }
  return env;
}

const containerOf = (workload: Workload) => workload.spec.template.spec.containers[0]!;
const configOf = (app: (typeof apps)[number]): Config =>
  loadConfig(effectiveEnv(containerOf(app.workload)), { requireJwt: app.requireJwt });
const portNumber = (container: Container, port: string | number) =>
  typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;

t.test('every variable set exists in EnvSchema, and each app gets a valid config', async (t) => {
  for (const name of Object.keys(configMap.data)) t.ok(name in EnvSchema.properties, `ConfigMap ${name}`);
  for (const name of Object.keys(secretExample.stringData)) t.ok(name in EnvSchema.properties, `Secret ${name}`);
  for (const { workload, requireJwt } of apps) {
    const container = containerOf(workload);
    for (const variable of container.env ?? [])
      t.ok(variable.name in EnvSchema.properties, `${workload.metadata.name}: ${variable.name}`);
    const env = effectiveEnv(container);
    t.doesNotThrow(() => loadConfig(env, { requireJwt }), `${workload.metadata.name}: config loads`);
    if (requireJwt) t.ok(env.JWT_SECRET, `${workload.metadata.name}: JWT_SECRET`);
    else t.notOk(env.JWT_SECRET, `${workload.metadata.name}: not given the JWT key`);
    if (env.LEDGER_STORE === 'mongo')
      t.ok(env.MONGO_URL, `${workload.metadata.name}: MONGO_URL with LEDGER_STORE=mongo`);
  }
  t.throws(
    () => loadConfig({ ...effectiveEnv(containerOf(api)), JWT_SECRET: '' }, { requireJwt: true }),
    'the check can fail',
  );
});

t.test('probes hit the apps\u2019 health routes on the ports the apps listen on', async (t) => {
  for (const app of apps) {
    const container = containerOf(app.workload);
    const config = configOf(app);
    const ports = container.ports ?? [];
    t.same(
      ports.map((p) => p.containerPort),
      [config[app.portVariable]],
      `${app.workload.metadata.name}: containerPort = ${app.portVariable}`,
    );
    t.equal(config[app.portVariable], EnvSchema.properties[app.portVariable].default, 'the image default port');
    t.equal(container.readinessProbe?.httpGet?.path, '/health/ready');
    t.equal(container.livenessProbe?.httpGet?.path, '/health/live');
    t.equal(container.startupProbe?.httpGet?.path, '/health/live');
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
      t.equal(portNumber(container, probe!.httpGet!.port), config[app.portVariable], 'probe port');
    }
    const annotations = (app.workload.spec.template.metadata as JsonObject).annotations as Record<string, string>;
    t.equal(annotations['prometheus.io/port'], String(config[app.portVariable]), 'metrics scrape port');
    t.equal(annotations['prometheus.io/path'], '/metrics');
  }
});

t.test('the grace period covers preStop and the whole drain', async (t) => {
  for (const app of apps) {
    const container = containerOf(app.workload);
    const config = configOf(app);
    const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
    const graceMs = (app.workload.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const drainMs = preStopMs + config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS;
    t.ok(graceMs > drainMs, `${app.workload.metadata.name}: ${graceMs} > ${drainMs} ms`);
    t.ok(
      config.SHUTDOWN_DELAY_MS + config.REQUEST_TIMEOUT_MS < config.SHUTDOWN_TIMEOUT_MS,
      'a request accepted before the close can finish inside the drain bound',
    );
  }
  const preStop = containerOf(api).lifecycle?.preStop?.sleep?.seconds ?? 0;
  t.ok(preStop >= 3, 'the api waits for endpoint propagation before SIGTERM');
  t.ok(configOf(apps[0]!).SHUTDOWN_DELAY_MS > 0, 'the api keeps serving, readiness off, for a moment after SIGTERM');
});

t.test('every pod passes Pod Security "restricted" and has resource bounds', async (t) => {
  const namespace = findObject(docs, 'Namespace', kustomization.namespace);
  t.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  for (const workload of workloads) {
    const pod = workload.spec.template.spec;
    t.equal(pod.securityContext?.runAsNonRoot, true, `${workload.metadata.name}: pod runAsNonRoot`);
    t.same(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' }, `${workload.metadata.name}: pod seccomp`);
    t.equal(
      (pod as unknown as JsonObject).automountServiceAccountToken,
      false,
      `${workload.metadata.name}: no API token`,
    );
    for (const container of pod.containers) {
      const context = container.securityContext ?? {};
      const label = `${workload.metadata.name}/${container.name}`;
      t.equal(context.runAsNonRoot, true, `${label}: runAsNonRoot`);
      t.equal(context.readOnlyRootFilesystem, true, `${label}: readOnlyRootFilesystem`);
      t.equal(context.allowPrivilegeEscalation, false, `${label}: allowPrivilegeEscalation`);
      t.same(context.capabilities, { drop: ['ALL'] }, `${label}: capabilities`);
      t.same(context.seccompProfile, { type: 'RuntimeDefault' }, `${label}: seccomp`);
      for (const kind of ['requests', 'limits'] as const) {
        t.ok(container.resources?.[kind]?.cpu && container.resources[kind].memory, `${label}: ${kind}`);
      }
    }
  }
  for (const { workload } of apps)
    t.equal(workload.spec.template.spec.securityContext?.runAsUser, 1000, 'the image user');
});

t.test('labels, selectors and autoscaling targets line up', async (t) => {
  const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
  for (const workload of workloads.filter((w) => w.kind !== 'Job')) {
    t.ok(
      labelsMatch(workload.spec.selector.matchLabels, workload.spec.template.metadata.labels),
      `${workload.metadata.name}: selector matches its pods`,
    );
  }
  for (const service of docs.map((d) => d.object).filter((o) => o.kind === 'Service') as (K8sObject & {
    spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] };
  })[]) {
    const targets = workloads.filter((w) => labelsMatch(service.spec.selector, w.spec.template.metadata.labels));
    t.equal(targets.length, 1, `Service ${service.metadata.name} selects exactly one workload`);
    for (const port of service.spec.ports)
      t.ok(portNumber(containerOf(targets[0]!), port.targetPort), `Service ${service.metadata.name} targetPort exists`);
  }
  const allDocs = [...docs, ...loadManifests(['optional/worker-hpa.yaml'])];
  for (const pdb of allDocs.map((d) => d.object).filter((o) => o.kind === 'PodDisruptionBudget') as (K8sObject & {
    spec: { selector: { matchLabels: Record<string, string> } };
  })[]) {
    const targets = workloads.filter((w) =>
      labelsMatch(pdb.spec.selector.matchLabels, w.spec.template.metadata.labels),
    );
    t.equal(targets.length, 1, `PDB ${pdb.metadata.name} covers exactly one workload`);
  }
  for (const scaler of allDocs
    .map((d) => d.object)
    .filter((o) => ['HorizontalPodAutoscaler', 'ScaledObject'].includes(o.kind)) as (K8sObject & {
    spec: { scaleTargetRef: { kind?: string; name: string } };
  })[]) {
    t.doesNotThrow(
      () => findObject(docs, scaler.spec.scaleTargetRef.kind ?? 'Deployment', scaler.spec.scaleTargetRef.name),
      `${scaler.kind} ${scaler.metadata.name} target exists`,
    );
  }
  t.ok((api.spec.replicas ?? 1) >= 2, 'api runs at least 2 replicas');
  const apiHpa = findObject(docs, 'HorizontalPodAutoscaler', 'wallet-api') as K8sObject & {
    spec: { minReplicas: number };
  };
  t.ok(apiHpa.spec.minReplicas >= 2, 'HPA keeps at least 2');
  t.notOk(
    docs.some((d) => d.object.kind === 'HorizontalPodAutoscaler' && d.object.metadata.name === 'wallet-worker'),
    'one autoscaler for the worker by default',
  );
  for (const doc of docs.filter((d) => d.object.kind !== 'Namespace'))
    t.equal(doc.object.metadata.namespace, kustomization.namespace, `${doc.file} namespace`);
});

t.test('KEDA watches the BullMQ wait lists of the queues the worker consumes', async (t) => {
  const scaled = findObject(docs, 'ScaledObject', 'wallet-worker') as K8sObject & {
    spec: { triggers: { type: string; metadata: Record<string, string> }[] };
  };
  const config = configOf(apps[1]!);
  const naming = queueNaming(config.REDIS_PREFIX);
  const waitList = (queue: string) => `${naming.prefix}:${queue}:wait`;
  const listNames = scaled.spec.triggers.map((trigger) => trigger.metadata.listName);
  t.same(listNames, [waitList(naming.deliveries)], 'the deliveries queue, the only one with per-event work');
  const redisHost = new URL(config.REDIS_URL).hostname;
  for (const trigger of scaled.spec.triggers) {
    t.equal(trigger.type, 'redis');
    t.equal(
      trigger.metadata.address,
      `${redisHost}.${kustomization.namespace}.svc.cluster.local:6379`,
      'the Redis Service, fully qualified',
    );
    t.ok(Number(trigger.metadata.listLength) > 0, 'a per-replica target');
  }
  t.doesNotThrow(() => findObject(docs, 'Service', redisHost), 'REDIS_URL names the Redis Service');
});

t.test('MongoDB replica set: URL, StatefulSet and init Job agree', async (t) => {
  const url = new URL(configOf(apps[0]!).MONGO_URL!);
  const mongo = findObject(docs, 'StatefulSet', 'mongo') as Workload & { spec: { serviceName: string } };
  const command = containerOf(mongo).image && (containerOf(mongo) as Container & { command: string[] }).command;
  const replicaSet = command[command.indexOf('--replSet') + 1];
  t.ok(command.includes('--bind_ip_all'));
  t.equal(url.searchParams.get('replicaSet'), replicaSet, 'MONGO_URL names the replica set');
  t.equal(
    url.host,
    `${mongo.metadata.name}-0.${mongo.spec.serviceName}:27017`,
    'MONGO_URL reaches member 0 through the headless Service',
  );
  const service = findObject(docs, 'Service', mongo.spec.serviceName) as K8sObject & { spec: { clusterIP: string } };
  t.equal(service.spec.clusterIP, 'None', 'headless');
  const job = findObject(docs, 'Job', 'mongo-init-replica-set') as Workload;
  const script = (containerOf(job) as Container & { command: string[] }).command.join(' ');
  t.match(script, `_id: '${replicaSet}'`);
  t.match(script, `host: '${url.host}'`, 'the member host written into the config is the one the apps use');
});

t.test('images match the Dockerfile targets, compose and the kustomization', async (t) => {
  const compose = readCompose();
  const imageName = (image: string) => image.split(':')[0]!;
  for (const [workload, target] of [
    [api, 'api'],
    [worker, 'worker'],
  ] as const) {
    const image = containerOf(workload).image;
    t.ok(
      kustomization.images.some((entry) => entry.name === imageName(image)),
      `${image} is set by the kustomization`,
    );
    t.equal(
      imageName(String(compose.services[target]!.image)),
      imageName(image),
      `compose builds ${image} from target ${target}`,
    );
  }
});
