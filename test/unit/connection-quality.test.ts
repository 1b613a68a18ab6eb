// Connection quality in fake time: stats rounds every 5 s (LiveKit's interval), built as the host page's
// getStats() samples them, for a publisher's up connection and a subscriber's down connection.
import { describe, expect, it } from 'vitest';
import type { PeerState, PeerStatsSample, RtpStreamSample } from '../../src/shared/host-bridge';
import { QualityScorer, type QualityWindow, type StreamWindow, streamScore } from '../../worker/quality/quality-scorer';
import { type QualityParticipant, RoomQuality } from '../../worker/quality/room-quality';

const ROUND_MS = 5000;

function window(streams: Partial<StreamWindow>[], layerDeficit = 0): QualityWindow {
  return {
    kind: 'measured',
    durationMs: ROUND_MS,
    layerDeficit,
    streams: streams.map((s) => ({ kind: 'video', direction: 'down', packets: 1000, lost: 0, jitterMs: 2, rttMs: 1, ...s })),
  };
}

describe('quality scorer', () => {
  it('a loopback connection (no loss, 1 ms round trip, 2 ms jitter) is excellent', () => {
    const q = new QualityScorer();
    for (let i = 0; i < 5; i++) q.update(window([{ kind: 'audio', packets: 250 }, { kind: 'video' }]));
    expect(q.quality).toBe('excellent');
    expect(q.mos).toBeGreaterThan(4.3);
  });

  it('3 % video loss makes it good, 10 % poor', () => {
    const good = new QualityScorer();
    const poor = new QualityScorer();
    for (let i = 0; i < 4; i++) {
      good.update(window([{ packets: 970, lost: 30 }]));
      poor.update(window([{ packets: 900, lost: 100 }]));
    }
    expect(good.quality).toBe('good');
    expect(poor.quality).toBe('poor');
  });

  it('the worst stream decides: a clean up connection does not hide a lossy down one', () => {
    const q = new QualityScorer();
    for (let i = 0; i < 3; i++) q.update(window([{ direction: 'up', packets: 1000 }, { direction: 'down', packets: 900, lost: 100 }]));
    expect(q.quality).toBe('poor');
  });

  it('a long round trip and jitter cost points: 500 ms and 60 ms of jitter is not excellent', () => {
    expect(streamScore({ kind: 'audio', direction: 'down', packets: 250, lost: 0, jitterMs: 60, rttMs: 500 }, ROUND_MS)).toBeLessThan(80);
    expect(streamScore({ kind: 'audio', direction: 'down', packets: 250, lost: 0, jitterMs: 5, rttMs: 50 }, ROUND_MS)).toBeGreaterThan(99);
  });

  it('falls at once and recovers over several rounds', () => {
    const q = new QualityScorer();
    q.update(window([{ packets: 880, lost: 120 }]));
    expect(q.quality).not.toBe('excellent');
    let rounds = 0;
    while (q.quality !== 'excellent') {
      q.update(window([{}]));
      rounds++;
    }
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(rounds).toBeLessThanOrEqual(5);
  });

  it('a connection that went away is lost at once, and comes back through good', () => {
    const q = new QualityScorer();
    q.update(window([{}]));
    q.update({ kind: 'gone' });
    expect(q.quality).toBe('lost');
    q.update(window([{}]));
    expect(q.quality).toBe('good');
  });

  it('a subscriber far below the layer it wants is not excellent, and one at it is', () => {
    const below = new QualityScorer();
    const at = new QualityScorer();
    for (let i = 0; i < 4; i++) {
      below.update(window([{}], 1));
      at.update(window([{}], 0));
    }
    expect(below.quality).toBe('poor');
    expect(at.quality).toBe('excellent');
    const half = new QualityScorer();
    for (let i = 0; i < 4; i++) half.update(window([{}], 0.5));
    expect(half.quality).toBe('good');
  });

  it('one lost packet of audio in DTX silence (a few packets a second) does not spoil an excellent connection', () => {
    const q = new QualityScorer();
    for (let i = 0; i < 3; i++) q.update(window([{ kind: 'audio', packets: 12, lost: 1 }]));
    expect(q.quality).toBe('excellent');
  });

  it('a stream that carried nothing (a paused slot) says nothing', () => {
    const q = new QualityScorer();
    for (let i = 0; i < 3; i++) q.update(window([{ packets: 0, lost: 0, rttMs: 0, jitterMs: 0 }]));
    expect(q.quality).toBe('excellent');
  });
});

/** A connection's sample with one stream each way it carries; counters are cumulative, as getStats() gives them. */
function sample(pid: string, side: 'up' | 'down', state: PeerState, packets: number, lost: number): PeerStatsSample {
  const stream: RtpStreamSample = {
    mid: '0', kind: 'video', direction: side === 'up' ? 'in' : 'out', bytes: packets * 1000, packets, packetsLost: lost, jitterMs: 2,
    framesDecoded: 0, keyFramesDecoded: 0, width: 0, height: 0, pliCount: 0, firCount: 0, nackCount: 0, sendDelaySeconds: 0,
  };
  return { pid, side, state, rttMs: 1, outgoingEstimateKbps: 0, streams: [stream] };
}

describe('room quality', () => {
  const alice: QualityParticipant = { sid: 'PA_a', active: true, gone: false };
  const bob: QualityParticipant = { sid: 'PA_b', active: true, gone: false };

  it('reports everyone on the first round, then only when a quality changes', () => {
    const rq = new RoomQuality();
    let now = 0;
    const round = (samples: PeerStatsSample[], who = [alice, bob]) => rq.round(samples, who, (now += ROUND_MS));
    const first = round([sample('PA_a', 'down', 'connected', 1000, 0), sample('PA_b', 'down', 'connected', 1000, 0)]);
    expect(first.changed).toBe(true);
    expect(first.reports.map((r) => [r.participantSid, r.quality])).toEqual([['PA_a', 'excellent'], ['PA_b', 'excellent']]);
    expect(round([sample('PA_a', 'down', 'connected', 2000, 0), sample('PA_b', 'down', 'connected', 2000, 0)]).changed).toBe(false);
    // Bob's subscriber reports 100 of the next 1,000 packets lost: counted from the cumulative counters
    const lossy = round([sample('PA_a', 'down', 'connected', 3000, 0), sample('PA_b', 'down', 'connected', 2900, 100)]);
    expect(lossy.changed).toBe(true);
    expect(lossy.reports.find((r) => r.participantSid === 'PA_b')!.quality).toBe('poor');
    expect(lossy.reports.find((r) => r.participantSid === 'PA_a')!.quality).toBe('excellent');
  });

  it('a participant whose connection went away, or whose subscriber connection is missing, is lost', () => {
    const rq = new RoomQuality();
    rq.round([sample('PA_a', 'down', 'connected', 1000, 0), sample('PA_b', 'down', 'connected', 1000, 0)], [alice, bob], ROUND_MS);
    const r = rq.round([sample('PA_a', 'down', 'connected', 2000, 0), sample('PA_a', 'up', 'disconnected', 2000, 0)], [alice, bob], 2 * ROUND_MS);
    expect(r.reports.map((x) => x.quality)).toEqual(['lost', 'lost']);
  });

  it('a dropped participant (migrating) is lost; one not yet active is not scored', () => {
    const rq = new RoomQuality();
    const r = rq.round([sample('PA_a', 'down', 'connected', 1000, 0)], [{ ...alice, gone: true }, { ...bob, active: false }], ROUND_MS);
    expect(r.reports).toEqual([{ participantSid: 'PA_a', quality: 'lost', score: expect.any(Number) }]);
  });

  it('takes the layer deficit simulcast reports for a subscriber', () => {
    const rq = new RoomQuality();
    rq.setLayerDeficit('PA_b', 1);
    let r = rq.round([sample('PA_a', 'down', 'connected', 1000, 0), sample('PA_b', 'down', 'connected', 1000, 0)], [alice, bob], ROUND_MS);
    r = rq.round([sample('PA_a', 'down', 'connected', 2000, 0), sample('PA_b', 'down', 'connected', 2000, 0)], [alice, bob], 2 * ROUND_MS);
    expect(r.reports.find((x) => x.participantSid === 'PA_b')!.quality).toBe('poor');
    expect(rq.latest(['PA_a', 'PA_b', 'PA_c']).map((x) => x.participantSid)).toEqual(['PA_a', 'PA_b']);
  });

  it('a stream whose counters restart (a new stream on the mid) is counted from zero, not as negative loss', () => {
    const rq = new RoomQuality();
    rq.round([sample('PA_a', 'down', 'connected', 5000, 50)], [alice], ROUND_MS);
    const r = rq.round([sample('PA_a', 'down', 'connected', 1000, 0)], [alice], 2 * ROUND_MS);
    expect(r.reports[0].quality).toBe('excellent');
  });
});
