import { describe, expect, it } from 'vitest';
import { renderTable, targetLines } from '../../bench/report';
import { caseResult, forwardedStreams, subscriberResults, summarize, type PeerWindow } from '../../bench/stats';
import type { Scenario } from '../../bench/systems/system';

const three: Scenario = { name: '3 × 320x180@30', participants: 3, width: 320, height: 180, fps: 30, maxBitrate: 300_000 };

function peer(id: string, g2g: number[], arrival: number[], fps = 30): PeerWindow {
  return { id, seconds: 10, joinMs: [400, 600], uploadKbps: 100, packetsReceived: 990, packetsLost: 10, streams: [{ label: 'x', fps, g2g, arrival, unreadable: 0, width: 320 }] };
}

const cpu = (percent: number) => ({ processPercent: percent, memoryBytes: 2 ** 20 * 100, machinePercent: 50, seconds: 10, byRole: [] as [string, number][] });

describe('benchmark figures', () => {
  it('summarises samples into percentiles, max and mean', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s).toMatchObject({ p50: 51, p95: 96, max: 100, mean: 50.5, n: 100 });
    expect(summarize([]).n).toBe(0);
  });

  it('counts every published stream to every other participant as forwarded', () => {
    expect(forwardedStreams(three)).toBe(6);
    expect(forwardedStreams({ ...three, participants: 8, publishers: 1 })).toBe(7);
  });

  it('pools a case across peers: loss, the slowest stream, the last joiner', () => {
    const r = caseResult('tabsfu', three, [peer('p1', [30], [10]), peer('p2', [40], [12], 28)], cpu(18), cpu(120));
    expect(r.lossPercent).toBeCloseTo(1, 5);
    expect(r.fps.min).toBe(28);
    expect(r.sfu?.perStreamPercent).toBeCloseTo(3, 5);
    expect(r.joinMs).toEqual({ first: 400, all: 600 });
  });

  it('judges the targets against Janus, the floor and the re-encoding relay, and says which were missed', () => {
    const floor = caseResult('mesh', { ...three, name: '2 × 320x180@30', participants: 2 }, [peer('p1', [20], [2])], null, cpu(0));
    const tabsfu = caseResult('tabsfu', three, [peer('p1', [35], [20])], cpu(18), cpu(0));
    const janus = caseResult('janus', three, [peer('p1', [24], [2])], cpu(6), cpu(0));
    const relay = caseResult('reencode', three, [peer('p1', [40], [20])], cpu(27), cpu(0));
    const lines = targetLines([floor, tabsfu, janus, relay]);
    expect(lines).toContain('latency 3 × 320x180@30: draw→arrival p95 20.0 ms vs direct P2P floor 2.0 + 10 ms: MISSED');
    expect(lines.find((l) => l.startsWith('CPU 3 × 320x180@30: 3.00'))).toContain('3.0×, target ≤ 1.5×): MISSED');
    expect(lines.find((l) => l.includes('re-encoding'))).toContain('1.5× tabsfu (target ≥ 5×): MISSED');
    expect(lines.find((l) => l.startsWith('latency 3 × 320x180@30: mean'))).toContain(': met');
  });

  it('reports each subscriber of the limited case apart: its layer, when it settled on it (after its last stall), its freezes', () => {
    const limited: Scenario = { name: 'limited', participants: 3, publishers: 1, width: 1280, height: 720, fps: 15, maxBitrate: 1_700_000, texture: true, limitedDownKbit: 400 };
    const listener = (id: string, widths: [number, number][], arrival: number[], freezes: number, maxGapMs: number, stalls: [number, number][] = []): PeerWindow => ({
      id, seconds: 30, joinMs: [500], uploadKbps: 0, packetsReceived: 100, packetsLost: 0, windowStartMs: 40_000,
      streams: [{ label: 'p1', fps: 15, g2g: [], arrival, unreadable: 0, width: widths[widths.length - 1][1], freezes, freezeSeconds: freezes * 0.5, maxGapMs, widths, stalls }],
    });
    // p3 shows 320 from 4.9 s but stands still from 6 s to 8.5 s; p2 stalls in the window, after settling
    const windows = [
      listener('p2', [[600, 320], [1500, 1280]], [20, 30], 0, 1200, [[41_000, 42_200]]),
      listener('p3', [[700, 1280], [4900, 320], [45_000, 640]], [40, 200], 2, 1500, [[6000, 8500], [44_000, 45_500]]),
    ];
    const subscribers = subscriberResults(windows, ['p2', 'p3'], 'p3');
    expect(subscribers[0]).toMatchObject({ id: 'p2', limited: false, width: 1280, settledMs: 1500, stalledBeforeSeconds: 0, changesInWindow: 0, path: [320, 1280] });
    expect(subscribers[1]).toMatchObject({ id: 'p3', limited: true, width: 640, settledMs: 8500, stalledBeforeSeconds: 2.5, changesInWindow: 1, freezes: 2 });
    const r = { ...caseResult('janus', limited, windows, cpu(3), cpu(40)), subscribers };
    expect(renderTable([r], [])).toContain('| limited | janus | limited, 400 kbit/s | 640 | 1280 → 320 → 640 | 8.5 | 2.5 | 1 | 200.0 / 200.0 | 2 / 1.00 | 1500 | 15.0 | 3 / 40 | 50 |');
    expect(targetLines([r]).find((l) => l.startsWith('limited subscriber (janus)'))).toMatch(/: MISSED$/);
  });

  it('shows skipped cases with their reason', () => {
    const table = renderTable([{ ...caseResult('janus', three, [peer('p1', [1], [1])], cpu(1), cpu(1)), skipped: 'Janus is not installed' }], []);
    expect(table).toContain('skipped: Janus is not installed');
  });
});
