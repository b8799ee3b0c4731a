// Where the two cores go during a scenario: CPU time of each process group (the runner with
// autocannon, the API, the worker, the reference server, every postgres process, Redis)
// and of the whole machine, from /proc. On a saturated machine throughput is total CPU per
// request, so this tells which process to make cheaper. Linux only; elsewhere all null.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of one process in ticks; null when it is gone. */
export function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Pids whose command name is exactly `comm` (postgres backends, redis-server). */
function pidsByComm(comm) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function machineTicks() {
  try {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const idle = values[3] + (values[4] ?? 0);
    return { total: values.reduce((sum, v) => sum + v, 0), idle };
  } catch {
    return null;
  }
}

/**
 * A snapshot of the groups' ticks. `pids` maps a group name to one pid; postgres and redis
 * are found by command name (all postgres processes count, including other clients').
 */
export function cpuSnapshot(pids) {
  const groups = {};
  for (const [name, pid] of Object.entries(pids)) groups[name] = pid ? { [pid]: processTicks(pid) } : {};
  for (const [name, comm] of [
    ['postgres', 'postgres'],
    ['redis', 'redis-server'],
  ]) {
    groups[name] = Object.fromEntries(pidsByComm(comm).map((pid) => [pid, processTicks(pid)]));
  }
  return { atMs: Date.now(), groups, machine: machineTicks() };
}

/** Percent of one core used by each group between two snapshots, and machine busy percent. */
export function cpuBetween(before, after) {
  const seconds = (after.atMs - before.atMs) / 1000;
  const percent = (ticks) => Math.round((ticks / CLOCK_TICKS_PER_S / seconds) * 1000) / 10;
  const groups = {};
  for (const [name, pids] of Object.entries(after.groups)) {
    let ticks = 0;
    // Only processes present in both snapshots: a pid that appeared or ended is not counted.
    for (const [pid, now] of Object.entries(pids)) {
      const then = before.groups[name]?.[pid];
      if (now !== null && then !== null && then !== undefined) ticks += now - then;
    }
    groups[name] = percent(ticks);
  }
  let machineBusyPercent = null;
  if (before.machine && after.machine) {
    const total = after.machine.total - before.machine.total;
    const idle = after.machine.idle - before.machine.idle;
    // /proc/stat counts every core: busy share of all cores, scaled to "% of one core".
    machineBusyPercent = total > 0 ? Math.round(((total - idle) / total) * cpuCount() * 1000) / 10 : null;
  }
  return { seconds: Math.round(seconds * 10) / 10, percentOfOneCore: groups, machineBusyPercent };
}

function cpuCount() {
  try {
    return (
      readFileSync('/proc/stat', 'utf8')
        .split('\n')
        .filter((line) => /^cpu\d+ /.test(line)).length || 1
    );
  } catch {
    return 1;
  }
}
