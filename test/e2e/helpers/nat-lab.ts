// A small internet in network namespaces, for calls across networks: a "public" namespace with the tabsfu server and
// a TURN server on 198.18.0.1 (the "public" side uses 198.18.0.0/15, reserved for tests and routed nowhere, because
// a TURN server rightly refuses to relay to private addresses), and for each site (the host, and each peer) a home network behind a NAT router
// (iptables masquerade). The public namespace forwards nothing between sites, so two sites can reach each other only
// through the TURN server, as two homes behind strict NATs can. Everything stays inside the namespaces.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PUBLIC_IP = '198.18.0.1';

/** Why the lab cannot be built on this machine, or null when it can. */
export function natLabUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const [cmd, pkg] of [['ip', 'iproute2'], ['iptables', 'iptables'], ['turnserver', 'coturn']]) {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    } catch {
      return `${cmd} is missing (Debian package ${pkg}; npm test installs it when run as root)`;
    }
  }
  return null;
}

export interface Site {
  /** The namespace the site's browser runs in, behind its router. */
  lan: string;
  /** An executable that starts Chromium inside that namespace, for Playwright's executablePath. */
  chromium: string;
}

export interface NatLab {
  sites: Site[];
  /** Runs a long-lived program in the public namespace. */
  spawnPublic(cmd: string, args: string[]): ChildProcess;
  close(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function inNs(ns: string, ...args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

let labs = 0;

/** Builds the lab with `siteCount` sites; `chromiumPath` is the browser each site runs. */
export function createNatLab(siteCount: number, chromiumPath: string): NatLab {
  // unique per lab, and short: interface names have at most 15 characters
  const tag = `${(process.pid % 1296).toString(36)}${(labs++ % 36).toString(36)}`;
  const pub = `tsfu${tag}p`;
  const namespaces = [pub];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tabsfu-natlab-'));
  const sites: Site[] = [];
  try {
    ip('netns', 'add', pub);
    ip('-n', pub, 'link', 'set', 'lo', 'up');
    ip('-n', pub, 'addr', 'add', `${PUBLIC_IP}/32`, 'dev', 'lo');
    inNs(pub, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    // sites reach the public services, never each other
    inNs(pub, 'iptables', '-P', 'FORWARD', 'DROP');
    // Everything else goes nowhere, as a private address does on the internet: sent, and lost. Without a route, a
    // TURN server's send to a peer's private candidate fails with ENETUNREACH, and coturn then ends the whole
    // allocation ("udp send: Network is unreachable", "closed ... reason: general"), which no real network does.
    const nowhere = `tsfu${tag}n`;
    namespaces.push(nowhere);
    ip('netns', 'add', nowhere);
    link(`tn${tag}a`, pub, '198.18.250.1/30', `tn${tag}b`, nowhere, '198.18.250.2/30');
    ip('-n', pub, 'route', 'add', 'default', 'via', '198.18.250.2');
    for (let i = 1; i <= siteCount; i++) {
      const router = `tsfu${tag}r${i}`;
      const lan = `tsfu${tag}l${i}`;
      namespaces.push(router, lan);
      ip('netns', 'add', router);
      ip('netns', 'add', lan);
      ip('-n', router, 'link', 'set', 'lo', 'up');
      ip('-n', lan, 'link', 'set', 'lo', 'up');
      // public <-> router (the router's WAN side), then router <-> lan
      link(`tp${tag}${i}`, pub, `198.18.${i}.1/24`, `tw${tag}${i}`, router, `198.18.${i}.2/24`);
      link(`tg${tag}${i}`, router, `192.168.${i}.1/24`, `te${tag}${i}`, lan, `192.168.${i}.2/24`);
      ip('-n', router, 'route', 'add', 'default', 'via', `198.18.${i}.1`);
      ip('-n', lan, 'route', 'add', 'default', 'via', `192.168.${i}.1`);
      inNs(router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
      inNs(router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', `tw${tag}${i}`, '-j', 'MASQUERADE');
      const wrapper = path.join(dir, `chromium-${i}.sh`);
      fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${lan} ${chromiumPath} "$@"\n`, { mode: 0o755 });
      sites.push({ lan, chromium: wrapper });
    }
  } catch (e) {
    for (const ns of namespaces) try { ip('netns', 'del', ns); } catch { /* it was never made */ }
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const children: ChildProcess[] = [];
  return {
    sites,
    spawnPublic(cmd, args) {
      const child = spawn('ip', ['netns', 'exec', pub, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      return child;
    },
    close() {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      // and whatever they started (the server's coturn): a namespace lives on while a process is in it
      for (const ns of namespaces) {
        try {
          for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
        } catch { /* gone already */ }
      }
      for (const ns of namespaces) try { ip('netns', 'del', ns); } catch { /* already gone */ }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function link(a: string, nsA: string, addrA: string, b: string, nsB: string, addrB: string): void {
  ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b);
  ip('link', 'set', a, 'netns', nsA);
  ip('link', 'set', b, 'netns', nsB);
  ip('-n', nsA, 'addr', 'add', addrA, 'dev', a);
  ip('-n', nsB, 'addr', 'add', addrB, 'dev', b);
  ip('-n', nsA, 'link', 'set', a, 'up');
  ip('-n', nsB, 'link', 'set', b, 'up');
}

/** Resolves with everything `child` printed once it has printed `text`; rejects if it exits or takes too long. */
export function waitForOutput(child: ChildProcess, text: RegExp, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${text}:\n${out.slice(-2000)}`)), timeoutMs);
    const on = (c: Buffer) => {
      out += c.toString();
      if (text.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing ${text}:\n${out.slice(-2000)}`));
    });
  });
}
