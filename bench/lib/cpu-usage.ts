// CPU used over a window, from /proc (Linux): by the whole machine and by given processes, in
// cores (1.0 = one core busy for the whole window). Benchmarks report it to show what the
// machine had left, since the broker, the simulator and the clients share its cores.
import { readFileSync } from 'node:fs';
import { repoPath } from '../../src/paths.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + (cpu[4] ?? 0);
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function processTicks(pid: number): number {
  try {
    // fields after the command name (which may hold spaces) start at state, the 3rd field
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0; // gone
  }
}

export interface CpuWindow {
  /** Cores used per process name, and by the whole machine, since start(). */
  stop(): { machine_cores: number; cores: number; [process: string]: number };
}

export function cpuWindow(processes: Record<string, number | undefined>): CpuWindow {
  const t0 = performance.now();
  const m0 = machineTicks();
  const p0 = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, pid ? processTicks(pid) : 0]));
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000;
      const m1 = machineTicks();
      const cores = Number((((m1.total - m0.total) / TICKS_PER_SECOND / seconds) || 0).toFixed(2));
      const out: { machine_cores: number; cores: number; [process: string]: number } = {
        cores,
        machine_cores: Number(((m1.busy - m0.busy) / TICKS_PER_SECOND / seconds).toFixed(2)),
      };
      for (const [name, pid] of Object.entries(processes)) out[`${name}_cores`] = pid ? Number(((processTicks(pid) - p0[name]!) / TICKS_PER_SECOND / seconds).toFixed(2)) : 0;
      return out;
    },
  };
}

/** The pid of a stack component started by stack/stack.sh (undefined when it was not). */
export function stackPid(component: string, port: number): number | undefined {
  try {
    return Number(readFileSync(repoPath('.stack/run', `${component}-${port}.pid`), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}
