import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { round } from './stats.js';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface ProcessSample {
  /** user + system CPU seconds consumed so far. */
  cpuSeconds: number;
  rssBytes: number;
  /** Peak resident set size so far (VmHWM). */
  peakRssBytes: number;
}

/** Reads another process's CPU time and memory from /proc (Linux only). */
export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return {
    cpuSeconds: (utime + stime) / CLOCK_TICKS,
    rssBytes: kb('VmRSS') * 1024,
    peakRssBytes: kb('VmHWM') * 1024,
  };
}

export interface ThreadSchedule {
  /** Seconds the thread ran on a core. */
  runSeconds: number;
  /** Seconds it was ready to run but waited for a core. */
  waitSeconds: number;
}

/**
 * The scheduler's account of one thread (by default the process's main thread), from
 * /proc/<pid>/task/<tid>/schedstat; null where the kernel does not keep it. Unlike CPU time, it
 * tells a thread with work to spare from one that had work queued the whole time.
 */
export function sampleThread(pid: number, tid = pid): ThreadSchedule | null {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
    return { runSeconds: Number(run) / 1e9, waitSeconds: Number(wait) / 1e9 };
  } catch {
    return null;
  }
}

/** What a process used over a stretch of wall time (see `measureUsage`). */
export interface ProcessUsage {
  cpuSeconds: number;
  /** `cpuSeconds` as a share of one core. */
  cpuShare: number;
  peakRssMiB: number;
  /**
   * Shares of the wall time the process's main thread spent on a core and ready but waiting for
   * one; null where the kernel keeps no schedstat.
   */
  mainThreadRunShare: number | null;
  mainThreadWaitShare: number | null;
}

/**
 * Samples process `pid` now; the returned function samples it again and gives what it used in
 * between, over `wallSeconds` of wall time.
 */
export function measureUsage(pid: number): (wallSeconds: number) => ProcessUsage {
  const before = sampleProcess(pid);
  const mainBefore = sampleThread(pid);
  return (wallSeconds) => {
    const after = sampleProcess(pid);
    const mainAfter = sampleThread(pid);
    const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
    const share = (key: keyof ThreadSchedule) =>
      mainBefore && mainAfter ? round((mainAfter[key] - mainBefore[key]) / wallSeconds, 2) : null;
    return {
      cpuSeconds: round(cpuSeconds, 1),
      cpuShare: round(cpuSeconds / wallSeconds, 2),
      peakRssMiB: mib(after.peakRssBytes),
      mainThreadRunShare: share('runSeconds'),
      mainThreadWaitShare: share('waitSeconds'),
    };
  };
}

/**
 * Sets the nice value of every thread of a process (Linux nice is per thread; threads started
 * later inherit their creator's). Used to let the bench's own processes yield the cores to the
 * server, as they would if they ran on another machine.
 */
export function renice(pid: number, nice: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      os.setPriority(Number(tid), nice);
    } catch (error) {
      // A thread that ended since the listing has nothing to set.
      if ((error as { info?: { code?: string } }).info?.code !== 'ESRCH') throw error;
    }
  }
}

export const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
