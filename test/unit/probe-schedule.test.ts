import { describe, expect, it } from 'vitest';
import { PROBE_QUIET_RESET_MS, ProbeSchedule } from '../../worker/peers/probe-schedule';

/** The times (ms) at which a schedule probes, given a link report each second for `seconds` that wants `short`. */
function probesOver(s: ProbeSchedule, seconds: number, from = 0, short = 2_000_000): number[] {
  const at: number[] = [];
  for (let t = from; t < from + seconds * 1000; t += 1000) if (s.due(short, t)) at.push(t);
  return at;
}

describe('the probe schedule of a subscriber connection', () => {
  it('probes at once when a down is held by its budget, then after 4, 8, 16… s while it stays held, up to 64 s', () => {
    const s = new ProbeSchedule();
    expect(probesOver(s, 200)).toEqual([0, 4000, 12_000, 28_000, 60_000, 124_000, 188_000]);
  });

  it('never probes when nothing is held', () => {
    const s = new ProbeSchedule();
    expect(probesOver(s, 100, 0, 0)).toEqual([]);
  });

  it('starts from a short wait again after a quiet spell', () => {
    const s = new ProbeSchedule();
    probesOver(s, 30);
    probesOver(s, PROBE_QUIET_RESET_MS / 1000 + 5, 30_000, 0);
    const back = 30_000 + PROBE_QUIET_RESET_MS + 5000;
    expect(probesOver(s, 10, back)).toEqual([back, back + 4000]);
  });
});
