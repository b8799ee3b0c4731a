// Peak resident memory of a child: polls VmRSS and reads VmHWM (the kernel's own high-water
// mark) from /proc/<pid>/status. Linux only; elsewhere both stay null.
import { readFileSync } from 'node:fs';

/** How often VmRSS is polled; VmHWM covers spikes between two polls anyway. */
const SAMPLE_INTERVAL_MS = 250;

function readStatusKb(pid, field) {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Starts sampling; `read()` gives the peak so far in MB, `stop()` ends the timer. */
export function sampleRss(pid) {
  let peakRssKb = null;
  let hwmKb = null;
  const sample = () => {
    const rssKb = readStatusKb(pid, 'VmRSS');
    if (rssKb !== null) peakRssKb = Math.max(peakRssKb ?? 0, rssKb);
    const highWaterKb = readStatusKb(pid, 'VmHWM');
    if (highWaterKb !== null) hwmKb = Math.max(hwmKb ?? 0, highWaterKb);
  };
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  timer.unref();
  sample();
  // /proc reports KiB; the target is in MB (10^6 bytes), the stricter of the two readings.
  const toMB = (kb) => (kb === null ? null : Math.round((kb * 1024) / 1e5) / 10);
  return {
    read() {
      sample();
      return { peakRssMB: toMB(Math.max(peakRssKb ?? 0, hwmKb ?? 0) || null), polledPeakRssMB: toMB(peakRssKb) };
    },
    stop() {
      clearInterval(timer);
    },
  };
}

/** Metric name endings of prom-client's default Node.js gauges (the prefix varies per app). */
const HEAP_GAUGES = {
  heapTotalMB: 'nodejs_heap_size_total_bytes',
  heapUsedMB: 'nodejs_heap_size_used_bytes',
  externalMB: 'nodejs_external_memory_bytes',
  rssMB: 'process_resident_memory_bytes',
};

/**
 * Heap figures from a process's Prometheus endpoint, to tell V8 heap from the rest of the
 * RSS. Null when the endpoint is unreachable or lacks the default metrics.
 */
export async function scrapeHeap(metricsUrl) {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
    if (response.status !== 200) return null;
    const text = await response.text();
    const figures = {};
    for (const [field, suffix] of Object.entries(HEAP_GAUGES)) {
      const match = text.match(new RegExp(`^\\w*${suffix}(?:\\{[^}]*\\})? ([0-9.e+]+)`, 'm'));
      figures[field] = match ? Math.round(Number(match[1]) / 1e5) / 10 : null;
    }
    return figures;
  } catch {
    return null;
  }
}
