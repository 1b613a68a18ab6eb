// Turns one window's raw measurements into the figures the report shows.
import type { CpuWindow } from './machine.js';
import type { Scenario } from './systems/system.js';

/** What bench/www/peer.js returns from endWindow(). */
export interface PeerWindow {
  id: string;
  seconds: number;
  joinMs: (number | null)[];
  uploadKbps: number;
  packetsReceived: number;
  packetsLost: number;
  /** When the window started, ms since this peer started joining. */
  windowStartMs?: number;
  streams: {
    label: string; fps: number; presentedFps?: number; jitterBufferMs?: number; g2g: number[]; arrival: number[]; arrivalAt?: number[]; maxGapMs?: number; unreadable: number; width: number;
    /** Chromium's freezes within the window: inbound-rtp freezeCount and totalFreezesDuration. */
    freezes?: number; freezeSeconds?: number;
    /** [ms since joining, decoded width] at each change of width, from the first frame on. */
    widths?: [number, number][];
    /** [from, to] in ms since joining: each time the picture stood still for a second or more. */
    stalls?: [number, number][];
  }[];
  /** Janus with an app policy: the substreams the subscriber asked for, [ms since joining, mid, substream]. */
  substreamSwitches?: [number, string, number][];
}

/** One subscriber of the limited-subscriber case (one publisher's video), over the window after it settled. */
export interface SubscriberResult {
  id: string;
  /** Behind the tc bottleneck. */
  limited: boolean;
  /** Decoded width at the end of the window (the layer received); 0 when no frame was decoded. */
  width: number;
  /**
   * From starting to join until its picture settled (its switch time), ms: the first frame of the layer it kept, or
   * the end of its last stall (a second or more without a new picture) before the window, whichever came later;
   * null without frames.
   */
  settledMs: number | null;
  /** Seconds its picture stood still (stalls of a second or more) between its first frame and the window. */
  stalledBeforeSeconds: number;
  /** Width changes during the window (0 once settled). */
  changesInWindow: number;
  /** The widths it went through, in order. */
  path: number[];
  arrival: Summary;
  freezes: number;
  freezeSeconds: number;
  /** Longest time without a new picture in the window, ms. */
  maxGapMs: number;
  fps: number;
}

export interface CaseResult {
  system: string;
  scenario: Scenario;
  /** Why the case did not run, when it did not. */
  skipped?: string;
  sfu: { cpuPercent: number; perStreamPercent: number; memoryMB: number; forwardedStreams: number; byRole: [string, number][] } | null;
  machinePercent: number;
  peersCpuPercent: number;
  g2g: Summary;
  arrival: Summary;
  /** Draw → arrival p95 of each whole minute of the window: whether a queue grows shows here. */
  arrivalByMinute: number[];
  /** The subscribers' mean jitter-buffer delay over the window, ms. */
  jitterBufferMs: number;
  fps: { min: number; mean: number; streams: number };
  lossPercent: number;
  uploadKbps: number;
  /** The last peer to join: from starting to join to its first remote frame, and to frames from everyone. */
  joinMs: { first: number | null; all: number | null };
  unreadableFrames: number;
  /** Figures particular to the system (e.g. tabsfu's keyframe requests per minute). */
  extras: Record<string, number>;
  /** The limited-subscriber case: each subscriber apart. */
  subscribers?: SubscriberResult[];
}

export interface Summary {
  p50: number;
  p95: number;
  max: number;
  mean: number;
  n: number;
}

export function summarize(samples: number[]): Summary {
  if (!samples.length) return { p50: NaN, p95: NaN, max: NaN, mean: NaN, n: 0 };
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length, n: s.length };
}

/** Forwarded streams an SFU carries: every published stream to every other participant. */
export function forwardedStreams(scenario: Scenario): number {
  const publishers = scenario.publishers ?? scenario.participants;
  return publishers * (scenario.participants - 1);
}

export function caseResult(system: string, scenario: Scenario, peers: PeerWindow[], sfu: CpuWindow | null, peersCpu: CpuWindow, extras: Record<string, number> = {}): CaseResult {
  const streams = peers.flatMap((p) => p.streams);
  const received = peers.reduce((a, p) => a + p.packetsReceived, 0);
  const lost = peers.reduce((a, p) => a + p.packetsLost, 0);
  const publishers = scenario.publishers ?? scenario.participants;
  const last = peers[peers.length - 1];
  const joins = last.joinMs.filter((x): x is number => x !== null);
  const forwarded = forwardedStreams(scenario);
  return {
    system,
    scenario,
    sfu: sfu
      ? { cpuPercent: sfu.processPercent, perStreamPercent: sfu.processPercent / forwarded, memoryMB: sfu.memoryBytes / 2 ** 20, forwardedStreams: forwarded, byRole: sfu.byRole }
      : null,
    machinePercent: peersCpu.machinePercent,
    peersCpuPercent: peersCpu.processPercent,
    g2g: summarize(streams.flatMap((s) => s.g2g)),
    arrival: summarize(streams.flatMap((s) => s.arrival)),
    arrivalByMinute: byMinute(streams),
    jitterBufferMs: mean(streams.map((s) => s.jitterBufferMs ?? NaN)),
    fps: {
      min: streams.length ? Math.min(...streams.map((s) => s.fps)) : NaN,
      mean: streams.length ? streams.reduce((a, s) => a + s.fps, 0) / streams.length : NaN,
      streams: streams.length,
    },
    lossPercent: received + lost ? (lost / (received + lost)) * 100 : 0,
    uploadKbps: peers.slice(0, publishers).reduce((a, p) => a + p.uploadKbps, 0) / Math.max(1, publishers),
    joinMs: { first: joins.length ? Math.min(...joins) : null, all: joins.length ? Math.max(...joins) : null },
    unreadableFrames: streams.reduce((a, s) => a + s.unreadable, 0),
    extras,
  };
}

/** What each subscriber got: the listeners of a scenario with one publisher; `limitedId` is the one behind the bottleneck. */
export function subscriberResults(peers: PeerWindow[], listenerIds: string[], limitedId: string): SubscriberResult[] {
  return peers.filter((p) => listenerIds.includes(p.id)).map((p) => {
    const s = p.streams[0];
    const widths = s?.widths ?? [];
    const start = p.windowStartMs ?? Infinity;
    const before = widths.filter(([t]) => t <= start);
    const stalls = (s?.stalls ?? []).filter(([, to]) => to <= start);
    return {
      id: p.id,
      limited: p.id === limitedId,
      width: s?.width ?? 0,
      settledMs: before.length ? Math.max(before[before.length - 1][0], ...stalls.map(([, to]) => to)) : null,
      stalledBeforeSeconds: stalls.reduce((a, [from, to]) => a + (to - from), 0) / 1000,
      changesInWindow: widths.length - before.length,
      path: widths.map(([, w]) => w),
      arrival: summarize(s?.arrival ?? []),
      freezes: s?.freezes ?? NaN,
      freezeSeconds: s?.freezeSeconds ?? NaN,
      maxGapMs: s?.maxGapMs ?? NaN,
      fps: s?.fps ?? 0,
    };
  });
}

function mean(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

/** p95 of draw → arrival for each whole minute of the window; empty for windows under two minutes. */
export function byMinute(streams: PeerWindow['streams']): number[] {
  const minutes: number[][] = [];
  for (const s of streams) {
    s.arrivalAt?.forEach((at, i) => {
      const m = Math.floor(at / 60);
      (minutes[m] ??= []).push(s.arrival[i]);
    });
  }
  const whole = minutes.slice(0, Math.floor(Math.max(0, ...streams.flatMap((s) => s.arrivalAt ?? [0])) / 60));
  return whole.length > 1 ? whole.map((m) => summarize(m ?? []).p95) : [];
}

/** One result per system and scenario: the median of each figure over repeated rounds. */
export function medianResults(results: CaseResult[]): CaseResult[] {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    if (r.skipped) continue;
    const key = `${r.system}\u0000${r.scenario.name}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const med = (xs: (number | null | undefined)[]) => {
    const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
    return v.length ? v[Math.floor((v.length - 1) / 2)] : NaN;
  };
  const out: CaseResult[] = [];
  for (const rs of groups.values()) {
    const first = rs[0];
    const sum = (pick: (r: CaseResult) => Summary): Summary => ({
      p50: med(rs.map((r) => pick(r).p50)), p95: med(rs.map((r) => pick(r).p95)), max: med(rs.map((r) => pick(r).max)),
      mean: med(rs.map((r) => pick(r).mean)), n: rs.reduce((a, r) => a + pick(r).n, 0),
    });
    out.push({
      ...first,
      sfu: first.sfu && {
        ...first.sfu,
        cpuPercent: med(rs.map((r) => r.sfu?.cpuPercent)),
        perStreamPercent: med(rs.map((r) => r.sfu?.perStreamPercent)),
        memoryMB: med(rs.map((r) => r.sfu?.memoryMB)),
      },
      machinePercent: med(rs.map((r) => r.machinePercent)),
      peersCpuPercent: med(rs.map((r) => r.peersCpuPercent)),
      g2g: sum((r) => r.g2g),
      arrival: sum((r) => r.arrival),
      arrivalByMinute: first.arrivalByMinute.map((_, i) => med(rs.map((r) => r.arrivalByMinute[i]))),
      jitterBufferMs: med(rs.map((r) => r.jitterBufferMs)),
      fps: { min: med(rs.map((r) => r.fps.min)), mean: med(rs.map((r) => r.fps.mean)), streams: first.fps.streams },
      lossPercent: med(rs.map((r) => r.lossPercent)),
      uploadKbps: med(rs.map((r) => r.uploadKbps)),
      joinMs: { first: med(rs.map((r) => r.joinMs.first)), all: med(rs.map((r) => r.joinMs.all)) },
      extras: Object.fromEntries(Object.keys(first.extras).map((k) => [k, med(rs.map((r) => r.extras[k]))])),
      // each subscriber's figures over the rounds; its layer and widths are the first round's
      subscribers: first.subscribers?.map((s) => {
        const all = rs.map((r) => r.subscribers?.find((x) => x.id === s.id)).filter((x): x is SubscriberResult => !!x);
        return {
          ...s,
          settledMs: med(all.map((x) => x.settledMs)),
          stalledBeforeSeconds: med(all.map((x) => x.stalledBeforeSeconds)),
          changesInWindow: med(all.map((x) => x.changesInWindow)),
          arrival: sum((r) => r.subscribers?.find((x) => x.id === s.id)?.arrival ?? summarize([])),
          freezes: med(all.map((x) => x.freezes)),
          freezeSeconds: med(all.map((x) => x.freezeSeconds)),
          maxGapMs: med(all.map((x) => x.maxGapMs)),
          fps: med(all.map((x) => x.fps)),
        };
      }),
    });
  }
  return [...out, ...results.filter((r) => r.skipped)];
}
