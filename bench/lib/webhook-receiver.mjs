// Loopback webhook receiver, forked by the runner so the load generator's busy event loop
// does not delay (and inflate) the receive timestamps. For every delivery it records
// receive time − event occurredAt. IPC: 'reset' clears, 'stats' answers with percentiles.
import { createServer } from 'node:http';
import { percentile } from './stats.mjs';

/** Bound on the samples kept (a full run delivers a few thousand). */
const SAMPLES_MAX = 1_000_000;
/** Webhook bodies are one small event; anything larger is refused. */
const BODY_MAX_BYTES = 64 * 1024;

let latenciesMs = [];
let seenIds = new Set();
let duplicates = 0;
let unreadable = 0;

const server = createServer((request, response) => {
  const chunks = [];
  let size = 0;
  request.on('data', (chunk) => {
    size += chunk.length;
    if (size <= BODY_MAX_BYTES) chunks.push(chunk);
  });
  request.on('end', () => {
    const receivedAtMs = Date.now();
    record(request.headers['webhook-id'], Buffer.concat(chunks).toString('utf8'), receivedAtMs);
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;

function record(webhookId, text, receivedAtMs) {
  let occurredAt;
  try {
    const body = JSON.parse(text);
    occurredAt = body?.data?.occurredAt ?? body?.occurredAt;
  } catch {
    occurredAt = undefined;
  }
  const occurredAtMs = typeof occurredAt === 'string' ? Date.parse(occurredAt) : Number.NaN;
  if (Number.isNaN(occurredAtMs)) {
    unreadable++;
    return;
  }
  // Retries carry the same webhook-id; only the first arrival measures the latency.
  if (typeof webhookId === 'string') {
    if (seenIds.has(webhookId)) {
      duplicates++;
      return;
    }
    if (seenIds.size < SAMPLES_MAX) seenIds.add(webhookId);
  }
  if (latenciesMs.length < SAMPLES_MAX) latenciesMs.push(receivedAtMs - occurredAtMs);
}

process.on('message', (message) => {
  if (message?.type === 'reset') {
    latenciesMs = [];
    seenIds = new Set();
    duplicates = 0;
    unreadable = 0;
    process.send({ type: 'reset-done' });
  } else if (message?.type === 'stats') {
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    process.send({
      type: 'stats',
      received: sorted.length,
      duplicates,
      unreadable,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1) ?? null,
    });
  }
});

server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
process.once('disconnect', () => process.exit(0));
