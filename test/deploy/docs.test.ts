// Goal: docs/deploy.md only tells operators to alert on metrics the apps really export.
// Method: collect the metric names declared in the apps' metrics modules plus prom-client's
// default metrics under each app's prefix, then check every metric name the page mentions.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { readRepoFile, repoRoot } from './deploy-files.js';

const METRIC_MODULES = ['apps/api/src/plugins/external/metrics.ts', 'apps/worker/src/metrics.ts'];
/** Families the apps export; a token of the page starting with one of these is a metric name. */
const METRIC_PATTERN =
  /\b(?:wallet|http_request|ledger|idempotency_requests|redis_fallback|history_cache|rate_limited)_[a-z0-9_]*[a-z0-9]\b/g;
const HISTOGRAM_SUFFIX = /_(bucket|count|sum)$/;

function declaredNames(): Set<string> {
  const names = new Set<string>();
  for (const module of METRIC_MODULES) {
    const source = readFileSync(join(repoRoot, module), 'utf8');
    // Every quoted metric-shaped literal of the module is a declared name (`name: '…'`,
    // `counter(\n  '…'`, a helper's first argument alike).
    for (const match of source.matchAll(/'([a-z_:][a-z0-9_:]*)'/g)) {
      if (new RegExp(`^${METRIC_PATTERN.source}$`).test(match[1]!)) names.add(match[1]!);
    }
    const prefix = /collectDefaultMetrics\(\{[^}]*prefix:\s*'([a-z_]+)'/.exec(source)?.[1];
    if (prefix) {
      const registry = new Registry();
      collectDefaultMetrics({ register: registry, prefix });
      for (const metric of registry.getMetricsAsArray()) names.add(metric.name);
    }
  }
  return names;
}

const known = declaredNames();
const isKnown = (name: string) => known.has(name) || known.has(name.replace(HISTOGRAM_SUFFIX, ''));

t.test('the metric collector finds the apps\u2019 metrics and can refuse a name', async (t) => {
  t.ok(known.has('http_request_duration_seconds'), 'api histogram');
  t.ok(known.has('wallet_worker_queue_jobs'), 'worker queue depth');
  t.ok(known.has('wallet_api_process_resident_memory_bytes'), 'prefixed default metrics');
  t.ok(isKnown('http_request_duration_seconds_bucket'), 'histogram series');
  t.notOk(isKnown('wallet_worker_queue_depth_total'), 'an invented name is refused');
});

t.test('every metric named in docs/deploy.md is exported', async (t) => {
  const mentioned = new Set(readRepoFile('docs/deploy.md').match(METRIC_PATTERN) ?? []);
  // Prefix stubs written in prose (`wallet_api_`) are not names; the pattern drops the final `_`.
  t.ok(mentioned.size >= 15, `${mentioned.size} metric names mentioned`);
  for (const name of mentioned) t.ok(isKnown(name), name);
});
