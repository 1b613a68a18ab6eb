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
export function treePssBytes(root: number): number {
  return processTree(root).reduce((a, pid) => a + pssBytes(pid), 0);
}

/** Proportional set size by process role (browser, renderer, gpu-process, network.mojom…), bytes. */
export function treePssByRole(root: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of processTree(root)) {
    const role = processRole(pid);
    out[role] = (out[role] ?? 0) + pssBytes(pid);
  }
  return out;
}

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

/** A Chromium process's role from its command line (--type=renderer, --utility-sub-type=network…), else its name. */
export function processRole(pid: number): string {
  try {
    // Chromium rewrites its command line into one space-separated string, so search the text
    const text = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    const sub = /--utility-sub-type=(\S+)/.exec(text)?.[1];
    const type = /--type=(\S+)/.exec(text)?.[1];
    if (sub) return sub.split('.').slice(-2).join('.');
    if (type) return type;
    return text.split(' ')[0].split('/').pop() || String(pid);
  } catch {
    return String(pid);
  }
}

export interface CpuWindow {
  /** CPU time of the processes, as % of one core. */
  processPercent: number;
  /** Memory of the processes at the end (proportional set size), bytes. */
  memoryBytes: number;
  /** How busy the whole machine was, % of all cores. */
  machinePercent: number;
  seconds: number;
  /** CPU % of one core by process role, largest first. */
  byRole: [string, number][];
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
    const roles = new Map<string, number>();
    for (const r of roots) {
      for (const pid of processTree(r)) {
        const now = readStat(pid)?.ticks ?? 0;
        const used = now - (pidsAtStart.get(pid) ?? 0);
        ticks += used;
        memory += pssBytes(pid);
        const role = processRole(pid);
        roles.set(role, (roles.get(role) ?? 0) + used);
      }
    }
    const m = machineTicks();
    return {
      processPercent: (ticks / TICKS_PER_SECOND / seconds) * 100,
      memoryBytes: memory,
      machinePercent: ((m.busy - machineStart.busy) / Math.max(1, m.total - machineStart.total)) * 100,
      seconds,
      byRole: [...roles].map(([role, t]): [string, number] => [role, (t / TICKS_PER_SECOND / seconds) * 100]).sort((a, b) => b[1] - a[1]),
    };
  };
}

/** CPU ticks per thread name across the trees rooted at `roots` (threads of one name are added up). */
function threadTicks(roots: number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of roots) {
    for (const pid of processTree(r)) {
      let tids: string[] = [];
      try {
        tids = fs.readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      const role = processRole(pid);
      for (const tid of tids) {
        try {
          const text = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
          const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
          const key = `${role}/${name}`;
          out.set(key, (out.get(key) ?? 0) + Number(f[11]) + Number(f[12]));
        } catch {
          // the thread ended
        }
      }
    }
  }
  return out;
}

/** Where a process tree's CPU went, by thread name, as % of one core; for finding the cost of a stage. */
export function startThreadWindow(roots: number[]): () => [string, number][] {
  const start = threadTicks(roots);
  const t0 = process.hrtime.bigint();
  return () => {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const end = threadTicks(roots);
    return [...end]
      .map(([k, v]): [string, number] => [k, ((v - (start.get(k) ?? 0)) / TICKS_PER_SECOND / seconds) * 100])
      .filter(([, v]) => v >= 0.05)
      .sort((a, b) => b[1] - a[1]);
  };
}

/** The main process of the browser running with this user data directory (its children carry --type=). */
export function browserPidFor(userDataDir: string): number {
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const args = cmdline.split('\0');
    if (args.includes(`--user-data-dir=${userDataDir}`) && !args.some((a) => a.startsWith('--type='))) return pid;
  }
  throw new Error(`no browser runs with --user-data-dir=${userDataDir}`);
}

/** Bytes the files under a directory hold (their lengths, not their blocks), 0 when it does not exist. */
export function directoryBytes(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = `${dir}/${e.name}`;
    if (e.isDirectory()) total += directoryBytes(full);
    else if (e.isFile()) total += fs.statSync(full).size;
  }
  return total;
}
