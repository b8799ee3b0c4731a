import { createHash } from 'node:crypto';
import type { Operation } from './types.js';

/** JSON with object keys sorted at every depth, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What makes two requests "the same" for an Idempotency-Key: operation, body, If-Match. */
export function requestFingerprint(operation: Operation, body: unknown, expectedVersion?: number): string {
  return createHash('sha256')
    .update(`${operation}\n${canonicalJson(body)}\n${expectedVersion ?? ''}`)
    .digest('base64url');
}

/** Metadata with keys in sorted order: stores and replays then render it byte for byte alike. */
export function sortedMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(metadata ?? {}).sort()) sorted[key] = metadata![key]!;
  return sorted;
}
