// A browser on a slow downlink: a network namespace joined to this machine by a veth pair whose machine-side end
// sends at most `downKbit` towards it (tc tbf, with a queue of `queueMs`, as a home router's buffer), so the
// browser's downloads crawl while everything else on the machine runs at full speed. Nothing leaves the machine.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ShapedSite {
  /** The machine's address as the site sees it: servers bound to 0.0.0.0 are reached there. */
  gateway: string;
  /** An executable that starts Chromium inside the site, for Playwright's executablePath. */
  chromium: string;
  /** Takes the bottleneck away: the site's downlink runs at the machine's speed from now on. */
  unlimit(): void;
  close(): void;
}

/** Why the site cannot be built here, or null when it can. */
export function shapedSiteUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const cmd of ['ip', 'tc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    } catch {
      return `${cmd} is missing (Debian package iproute2)`;
    }
  }
  return null;
}

let sites = 0;
const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });

export function createShapedSite(downKbit: number, chromiumPath: string, queueMs = 100): ShapedSite {
  const tag = `${(process.pid % 1296).toString(36)}${(sites++ % 36).toString(36)}`;
  const ns = `tsfu${tag}s`;
  const outer = `ts${tag}o`;
  const inner = `ts${tag}i`;
  // a subnet no interface has: a site left behind by an interrupted run (its process killed before close) keeps its
  // addresses, and a new site on the same subnet could not be reached (page loads time out)
  const inUse = execFileSync('ip', ['-br', 'addr'], { encoding: 'utf8' });
  let third = (process.pid + sites) % 250;
  while (inUse.includes(`10.213.${third}.`)) third = (third + 1) % 250;
  const subnet = `10.213.${third}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabsfu-shaped-'));
  const close = () => {
    try {
      for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    } catch { /* gone already */ }
    try { run('ip', 'netns', 'del', ns); } catch { /* never made */ }
    try { run('ip', 'link', 'del', outer); } catch { /* went with the namespace */ }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('ip', 'netns', 'add', ns);
    run('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    run('ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', inner);
    run('ip', 'link', 'set', inner, 'netns', ns);
    run('ip', 'addr', 'add', `${subnet}.1/30`, 'dev', outer);
    run('ip', '-n', ns, 'addr', 'add', `${subnet}.2/30`, 'dev', inner);
    run('ip', 'link', 'set', outer, 'up');
    run('ip', '-n', ns, 'link', 'set', inner, 'up');
    run('ip', '-n', ns, 'route', 'add', 'default', 'via', `${subnet}.1`);
    // the bottleneck: towards the site only; its queue holds queueMs at that rate, and drops beyond
    const burstBytes = Math.max(1600, Math.round((downKbit * 1000) / 8 / 100)); // 10 ms of data
    run('tc', 'qdisc', 'add', 'dev', outer, 'root', 'tbf', 'rate', `${downKbit}kbit`, 'burst', String(burstBytes), 'latency', `${queueMs}ms`);
    const wrapper = path.join(dir, 'chromium.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${chromiumPath} "$@"\n`, { mode: 0o755 });
    return { gateway: `${subnet}.1`, chromium: wrapper, unlimit: () => run('tc', 'qdisc', 'del', 'dev', outer, 'root'), close };
  } catch (e) {
    close();
    throw e;
  }
}
