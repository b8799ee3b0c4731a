// Goal: the operators' kit only names metrics the apps really export, and the alert rules are
// a valid PrometheusRule with a runbook line per alert in docs/deploy.md.
// Method: start the real API (apps/api/test/helper.ts) and the real worker
// (apps/worker/test/helper.ts) on PostgreSQL + Redis, scrape their /metrics, and check every
// metric name used in k8s/observability/grafana-dashboard.json and prometheus-rules.yaml
// against what was scraped (histogram series included). The rule file is shape-checked after
// the Prometheus Operator CRD (prometheus-rule.ts), since kubernetes-models has no model for it.
import t from 'tap';
import { build } from '../../apps/api/test/helper.js';
import { newSchema, startWorker, testConfig, cleanRedisPrefix } from '../../apps/worker/test/helper.js';
import { loadManifests, readRepoFile, type K8sObject } from './deploy-files.js';
import { validatePrometheusRule } from './prometheus-rule.js';

/** PromQL words that are not metric names. */
const PROMQL_WORDS = new Set(
  'by without on ignoring group_left group_right bool and or unless offset le inf nan time'.split(' '),
);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const isCall = /^\s*\(/.test(bare.slice(match.index + match[0].length));
    if (!isCall && !PROMQL_WORDS.has(match[0])) names.add(match[0]);
  }
  return [...names];
}

/** Names in an exposition text: each `# TYPE` family, with its histogram/summary series. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readRepoFile('k8s/observability/grafana-dashboard.json')) as {
    panels: { targets?: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}

function ruleObjects(): K8sObject[] {
  return loadManifests(['observability/prometheus-rules.yaml']).map((doc) => doc.object);
}

function ruleExpressions(): Array<{ alert: string; expr: string }> {
  return ruleObjects().flatMap((object) =>
    (object.spec as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((group) => group.rules),
  );
}

t.test('the name extractor finds metric names and nothing else', async (t) => {
  t.same(
    metricNames(
      'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{route=~"/api/.*"}[5m]))) > 1',
    ),
    ['http_request_duration_seconds_bucket'],
  );
  t.same(metricNames('time() - max(wallet_reconciliation_last_run_timestamp_seconds) > 900'), [
    'wallet_reconciliation_last_run_timestamp_seconds',
  ]);
  t.same(metricNames('sum(rate(a_total[5m])) / sum(rate(b_total{x="y"}[5m]))'), ['a_total', 'b_total']);
});

t.test('every metric the dashboard and the alerts name is exported by the API or the worker', async (t) => {
  const api = await build(t);
  await api.app.inject({ url: '/health/live' });
  const apiMetrics = (await api.app.inject({ url: '/metrics' })).body;
  const config = testConfig();
  cleanRedisPrefix(t, config.REDIS_PREFIX);
  const worker = await startWorker(t, config, newSchema(t));
  const workerMetrics = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
  const exported = new Set([...exportedNames(apiMetrics), ...exportedNames(workerMetrics)]);
  t.ok(exported.has('ledger_operations_total') && exported.has('wallet_worker_outbox_lag_seconds'), 'both scraped');
  t.notOk(exported.has('wallet_worker_queue_depth_total'), 'an invented name is not exported');

  const expressions = [...dashboardExpressions(), ...ruleExpressions().map((rule) => rule.expr)];
  const named = new Set(expressions.flatMap(metricNames));
  t.ok(named.size >= 15, `${named.size} metric names used`);
  for (const name of named) t.ok(exported.has(name), `${name} is exported`);
  // The dashboard covers what operators asked for.
  for (const family of [
    'http_request_duration_seconds_count',
    'http_request_duration_seconds_bucket',
    'ledger_operations_total',
    'ledger_cas_conflicts_total',
    'ledger_cas_retries_total',
    'idempotency_requests_total',
    'wallet_worker_outbox_lag_seconds',
    'wallet_worker_queue_jobs',
    'wallet_worker_jobs_total',
  ]) {
    t.ok(
      dashboardExpressions().some((expr) => metricNames(expr).includes(family)),
      `dashboard shows ${family}`,
    );
  }
});

t.test('the alert rules are a valid PrometheusRule, each alert with a runbook line', async (t) => {
  const objects = ruleObjects();
  t.equal(objects.length, 1);
  t.doesNotThrow(() => validatePrometheusRule(objects[0]!));
  const broken = structuredClone(objects[0]!) as K8sObject & { spec: { groups: { rules: object[] }[] } };
  broken.spec.groups[0]!.rules[0] = { alert: 'X', expr: 'sum(rate(x[5m])', for: '5 minutes' };
  t.throws(() => validatePrometheusRule(broken), 'an unbalanced expression is refused');
  t.throws(() => validatePrometheusRule({ ...objects[0]!, spec: { groups: [] } }), 'empty groups are refused');

  const alerts = ruleExpressions().map((rule) => rule.alert);
  for (const needed of [
    'WalletOutboxLag',
    'WalletDeadLetters',
    'WalletReconciliationMismatch',
    'WalletApiErrorRate',
    'WalletApiLatencyP99',
  ]) {
    t.ok(alerts.includes(needed), `alert ${needed}`);
  }
  const deployDoc = readRepoFile('docs/deploy.md');
  const runbook = deployDoc.slice(deployDoc.indexOf('### Runbook'));
  for (const alert of alerts) t.match(runbook, new RegExp(`^- \\*\\*${alert}\\*\\*`, 'm'), `runbook line for ${alert}`);
});
