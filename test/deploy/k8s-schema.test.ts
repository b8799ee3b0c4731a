// Goal: every Kubernetes manifest is valid for the API server and the kustomization is
// complete. Method: parse each YAML document and validate it with kubernetes-models (upstream
// OpenAPI schemas) or @kubernetes-models/keda (KEDA's CRD schema); `kubectl kustomize` too
// when kubectl is installed, which CI guarantees (.ci/run installs it; under CI=true it never skips).
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { k8sDir, k8sYamlFiles, loadManifests, readKustomization, type K8sObject } from './deploy-files.js';
import { PrometheusRule } from './prometheus-rule.js';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** apiVersion/kind -> the model that carries that object's published schema. */
const models: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'batch/v1/Job': Job,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  // No published model: shape-checked after the Prometheus Operator CRD (prometheus-rule.ts).
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
};

function validateObject(object: K8sObject): void {
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

const manifestFiles = k8sYamlFiles().filter((file) => file !== 'kustomization.yaml');
const kustomization = readKustomization();

t.test('every manifest document validates against its published schema', async (t) => {
  const docs = loadManifests(manifestFiles);
  t.ok(docs.length >= 15, `${docs.length} objects`);
  for (const { file, object } of docs) {
    t.doesNotThrow(() => validateObject(object), `${file}: ${object.kind}/${object.metadata.name}`);
    t.match(object.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${file}: DNS-1123 name`);
  }
});

t.test('the validators refuse broken objects', async (t) => {
  const docs = loadManifests(['api-deployment.yaml', 'worker-scaledobject.yaml', 'api-hpa.yaml']);
  const deployment = structuredClone(docs[0]!.object) as K8sObject & { spec: { replicas: unknown } };
  deployment.spec.replicas = 'two';
  t.throws(() => validateObject(deployment), 'Deployment replicas must be an integer');
  const scaled = structuredClone(docs[1]!.object) as K8sObject & { spec: Record<string, unknown> };
  delete scaled.spec.scaleTargetRef;
  t.throws(() => validateObject(scaled), 'ScaledObject needs scaleTargetRef (KEDA CRD)');
  const scaledTriggers = structuredClone(docs[1]!.object) as K8sObject & { spec: Record<string, unknown> };
  delete scaledTriggers.spec.triggers;
  t.throws(() => validateObject(scaledTriggers), 'ScaledObject needs triggers (KEDA CRD)');
  const hpa = structuredClone(docs[2]!.object) as K8sObject & { spec: Record<string, unknown> };
  delete hpa.spec.maxReplicas;
  t.throws(() => validateObject(hpa), 'HPA needs maxReplicas');
  t.throws(() => validateObject({ ...docs[0]!.object, apiVersion: 'extensions/v1beta1' }), 'unknown apiVersion/kind');
});

t.test('kustomization lists every default manifest, and not the example or optional ones', async (t) => {
  t.equal(kustomization.namespace, 'wallet');
  for (const resource of kustomization.resources) t.ok(existsSync(join(k8sDir, resource)), `${resource} exists`);
  const expected = manifestFiles.filter((file) => !file.includes('/') && !file.endsWith('.example.yaml'));
  t.same([...kustomization.resources].sort(), expected, 'resources = top-level manifests');
  t.ok(manifestFiles.includes('secret.example.yaml'), 'a Secret example ships');
  t.ok(manifestFiles.includes('optional/worker-hpa.yaml'), 'the plain-HPA alternative ships');
  t.notOk(kustomization.resources.some((file) => file.includes('example') || file.startsWith('optional/')));
});

t.test('the Secret example holds placeholders, never a real secret', async (t) => {
  const [secret] = loadManifests(['secret.example.yaml']);
  const data = (secret!.object.stringData ?? {}) as Record<string, string>;
  t.notOk(secret!.object.data, 'no base64 data that could hide a real value');
  t.match(data.JWT_SECRET, /^REPLACE-ME/, 'JWT_SECRET is an obvious placeholder');
});

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
})();

// CI (.ci/run) installs kubectl (Debian's kubernetes-client) when it is missing, so there this case never skips:
// without kubectl under CI=true it fails instead of passing silently. Elsewhere it skips with the reason.
const inCi = process.env.CI === 'true';

t.test(
  'kubectl kustomize renders the same objects',
  { skip: kubectl || inCi ? false : 'kubectl is not installed (CI installs it: .ci/run)' },
  async (t) => {
    if (!t.ok(kubectl, 'kubectl is installed (CI=true: .ci/run must have installed kubernetes-client)')) return;
    const rendered = execFileSync('kubectl', ['kustomize', k8sDir], { encoding: 'utf8', timeout: 30_000 });
    const objects = parseAllDocuments(rendered).map((doc) => doc.toJS() as K8sObject);
    const names = (list: K8sObject[]) => list.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    t.same(names(objects), names(loadManifests(kustomization.resources).map((doc) => doc.object)));
    for (const object of objects) {
      if (object.kind !== 'Namespace')
        t.equal(object.metadata.namespace, kustomization.namespace, `${object.kind}/${object.metadata.name}`);
      t.doesNotThrow(() => validateObject(object), `rendered ${object.kind}/${object.metadata.name} still valid`);
    }
  },
);
