// kubernetes-models has no schema for the Prometheus Operator's PrometheusRule CRD, so its
// shape is checked here, after the CRD (monitoring.coreos.com/v1, spec.groups[].rules[]):
// known fields only, `alert` xor `record`, a non-empty `expr` with balanced brackets and
// quotes, durations in Prometheus syntax, string-valued labels and annotations.
import type { K8sObject } from './deploy-files.js';

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const GROUP_FIELDS = new Set(['name', 'interval', 'rules', 'limit', 'partial_response_strategy', 'labels']);
const RULE_FIELDS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function fail(where: string, message: string): never {
  throw new Error(`PrometheusRule ${where}: ${message}`);
}

function checkStringMap(where: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, 'must be a map');
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') fail(`${where}.${key}`, 'must be a string');
  }
}

/** Brackets balance outside string literals, and every string literal is closed. */
function checkExpression(where: string, expr: unknown): void {
  if (typeof expr !== 'string' || expr.trim() === '') fail(where, 'expr must be a non-empty string');
  const closers: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: string[] = [];
  let quote: string | null = null;
  for (let index = 0; index < expr.length; index += 1) {
    const char = expr[index]!;
    if (quote) {
      if (char === '\\') index += 1;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if ('([{'.includes(char)) stack.push(char);
    else if (char in closers && stack.pop() !== closers[char]) fail(where, `unbalanced "${char}" in ${expr}`);
  }
  if (quote || stack.length > 0) fail(where, `unclosed ${quote ?? stack.at(-1)} in ${expr}`);
}

function checkRule(where: string, rule: Record<string, unknown>): void {
  for (const field of Object.keys(rule)) if (!RULE_FIELDS.has(field)) fail(where, `unknown field ${field}`);
  if ((typeof rule.alert === 'string') === (typeof rule.record === 'string')) fail(where, 'needs alert xor record');
  checkExpression(where, rule.expr);
  for (const field of ['for', 'keep_firing_for'] as const) {
    if (rule[field] !== undefined && !DURATION.test(String(rule[field]))) fail(where, `${field} is not a duration`);
  }
  checkStringMap(`${where}.labels`, rule.labels);
  checkStringMap(`${where}.annotations`, rule.annotations);
}

export function validatePrometheusRule(object: K8sObject): void {
  if (object.apiVersion !== 'monitoring.coreos.com/v1' || object.kind !== 'PrometheusRule') {
    fail(object.metadata?.name ?? '?', 'apiVersion/kind must be monitoring.coreos.com/v1 PrometheusRule');
  }
  if (!DNS_1123.test(object.metadata?.name ?? '')) fail('metadata.name', 'must be a DNS-1123 name');
  const groups = (object.spec as { groups?: unknown } | undefined)?.groups;
  if (!Array.isArray(groups) || groups.length === 0) fail('spec.groups', 'must be a non-empty list');
  const names = new Set<string>();
  for (const group of groups as Record<string, unknown>[]) {
    const where = `group ${String(group.name)}`;
    for (const field of Object.keys(group)) if (!GROUP_FIELDS.has(field)) fail(where, `unknown field ${field}`);
    if (typeof group.name !== 'string' || names.has(group.name)) fail(where, 'needs a unique name');
    names.add(group.name);
    if (group.interval !== undefined && !DURATION.test(String(group.interval))) fail(where, 'bad interval');
    if (!Array.isArray(group.rules) || group.rules.length === 0) fail(where, 'rules must be a non-empty list');
    group.rules.forEach((rule: Record<string, unknown>, index: number) =>
      checkRule(`${where} rule ${String(rule.alert ?? rule.record ?? index)}`, rule),
    );
  }
}

/** A model-like wrapper, so the k8s schema test can list it next to kubernetes-models' classes. */
export class PrometheusRule {
  constructor(private readonly object: K8sObject) {}

  validate(): void {
    validatePrometheusRule(this.object);
  }
}
