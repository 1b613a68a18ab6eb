// What the machine and a set of processes used over a window, read from /proc (Linux).
import fs from 'node:fs';

/** Linux reports process CPU in clock ticks of 1/100 s on every common configuration. */
const TICKS_PER_SECOND = 100;

function readStat(pid: number): { ppid: number; ticks: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces and parentheses: split after its closing parenthesis
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** The process and all its descendants that are alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = readStat(pid);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Proportional set size: each shared page counted once across the processes that share it, so a browser's
 * many processes add up to what they really hold (their resident sizes would count shared libraries each time).
 */
function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function machineTicks(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuWindow {
  /** CPU time of the processes, as % of one core. */
  processPercent: number;
  /** Memory of the processes at the end (proportional set size), bytes. */
  memoryBytes: number;
  /** How busy the whole machine was, % of all cores. */
  machinePercent: number;
  seconds: number;
}

/** Starts measuring the trees rooted at `roots`; call the returned function at the end of the window. */
export function startCpuWindow(roots: number[]): () => CpuWindow {
  const pidsAtStart = new Map<number, number>();
  for (const r of roots) for (const pid of processTree(r)) pidsAtStart.set(pid, readStat(pid)?.ticks ?? 0);
  const machineStart = machineTicks();
  const t0 = process.hrtime.bigint();
  return () => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    let ticks = 0;
    let memory = 0;
    for (const r of roots) {
      for (const pid of processTree(r)) {
        const now = readStat(pid)?.ticks ?? 0;
        ticks += now - (pidsAtStart.get(pid) ?? 0);
        memory += pssBytes(pid);
      }
    }
    const m = machineTicks();
    return {
      processPercent: (ticks / TICKS_PER_SECOND / seconds) * 100,
      memoryBytes: memory,
      machinePercent: ((m.busy - machineStart.busy) / Math.max(1, m.total - machineStart.total)) * 100,
      seconds,
    };
  };
}
