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
