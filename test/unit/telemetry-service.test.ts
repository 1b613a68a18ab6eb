// The rules LiveKit's telemetryservice.go settled on (commits "Recreate stats worker on resume if needed" and
// "Attempt to fix missing participant left webhook"), in fake time.
import { describe, expect, it } from 'vitest';
import { ParticipantInfo, Room as RoomInfo } from '@livekit/protocol';
import type { TelemetryEvent } from '../../worker/telemetry/events';
import { ReferenceCount, ReferenceGuard } from '../../worker/telemetry/reference-count';
import type { TrackStatRecord } from '../../worker/telemetry/stats-records';
import { TelemetryService } from '../../worker/telemetry/telemetry-service';

const room = new RoomInfo({ sid: 'RM_1', name: 'standup' });
const alice = new ParticipantInfo({ sid: 'PA_a', identity: 'alice' });

function setup() {
  let now = 0;
  const events: TelemetryEvent[] = [];
  const stats: TrackStatRecord[] = [];
  const t = new TelemetryService({ event: (e) => events.push(e), stats: (r) => stats.push(...r) }, { reapAfterMs: 180_000 }, () => now);
  const advance = (ms: number) => (now += ms);
  const stat = (): TrackStatRecord => ({ at: now, roomSid: 'RM_1', room: 'standup', participantSid: 'PA_a', identity: 'alice', trackSid: 'TR_x', kind: 'video', direction: 'up', bitrateKbps: 100, packets: 10, packetsLost: 0, lossPercent: 0, jitterMs: 1, rttMs: 1, frames: 30, fps: 30, width: 320, height: 180, keyframes: 0, plis: 0, nacks: 0 });
  const names = () => events.map((e) => e.event);
  return { t, events, stats, advance, stat, names };
}

describe('reference count', () => {
  it('counts a guard once however often it activates or releases', () => {
    const count = new ReferenceCount();
    const g = new ReferenceGuard();
    count.activate(g);
    count.activate(g);
    expect(count.count).toBe(1);
    expect(count.release(g)).toBe(true);
    expect(count.release(g)).toBe(false);
    expect(count.count).toBe(0);
  });
});

describe('telemetry service', () => {
  it('keeps the stats worker through a resume: the old signal connection leaving does not close it', () => {
    const { t, stats, stat, names, advance } = setup();
    const session = new ReferenceGuard();
    const signalA = new ReferenceGuard();
    t.participantJoined(room, alice, session);
    t.participantJoined(room, alice, signalA);
    t.participantActive(room, alice, session, false);
    const worker = t.worker('RM_1', 'PA_a');

    // resume: the old connection closes, a new one arrives
    t.participantLeft(room, alice, signalA, false);
    const signalB = new ReferenceGuard();
    t.participantJoined(room, alice, signalB);
    t.participantResumed(room, alice, signalB, 'signal reconnect');
    expect(t.worker('RM_1', 'PA_a')).toBe(worker);
    expect(worker?.closedAt).toBeNull();

    advance(5000);
    t.trackStats(stat());
    t.flush();
    expect(stats).toHaveLength(1);

    t.participantLeft(room, alice, signalB, false);
    t.participantLeft(room, alice, session, true);
    expect(names()).toEqual(['participant_joined', 'participant_active', 'participant_resumed', 'participant_left']);
  });

  it('recreates a worker that closed during a resume race, and the new one inherits the connected state', () => {
    const { t, names } = setup();
    const signalA = new ReferenceGuard();
    t.participantJoined(room, alice, signalA);
    t.participantActive(room, alice, signalA, false);
    // the old connection's leave lands before the new connection's join: the count reaches zero
    t.participantLeft(room, alice, signalA, false);
    expect(t.worker('RM_1', 'PA_a')?.closedAt).not.toBeNull();
    const signalB = new ReferenceGuard();
    t.participantJoined(room, alice, signalB);
    const recreated = t.worker('RM_1', 'PA_a');
    expect(recreated?.closedAt).toBeNull();
    expect(recreated?.connected).toBe(true);
    // so the participant's real leave is a participant_left, not a connection that never happened
    t.participantLeft(room, alice, signalB, true);
    expect(names()).toEqual(['participant_joined', 'participant_active', 'participant_left']);
  });

  it('sends participant_left once, and only for a participant that became active', () => {
    const { t, names } = setup();
    const g = new ReferenceGuard();
    t.participantJoined(room, alice, g);
    t.participantLeft(room, alice, g, true);
    t.participantLeft(room, alice, g, true);
    expect(names()).toEqual(['participant_connection_aborted']);
  });

  it('reaps a closed worker only after the delay', () => {
    const { t, advance } = setup();
    const g = new ReferenceGuard();
    t.participantJoined(room, alice, g);
    t.participantLeft(room, alice, g, true);
    advance(179_000);
    t.flush();
    expect(t.worker('RM_1', 'PA_a')).toBeDefined();
    advance(2_000);
    t.flush();
    expect(t.worker('RM_1', 'PA_a')).toBeUndefined();
  });

  it('gives events LiveKit\'s webhook shape', () => {
    const { t, events } = setup();
    t.roomStarted(room);
    expect(events[0].webhook).toMatchObject({ event: 'room_started', room: { sid: 'RM_1', name: 'standup' } });
    expect(events[0].id).toMatch(/^EV_/);
  });
});
