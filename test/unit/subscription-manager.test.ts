import { describe, expect, it } from 'vitest';
import { Encryption_Type, TrackSource } from '@livekit/protocol';
import { UpTrack } from '../../worker/media/up-track';
import { RoomTrackManager } from '../../worker/tracks/room-track-manager';
import { SubscriptionManager, type Binding } from '../../worker/tracks/subscription-manager';
import { FakeTime, settle } from './fake-time';

function track(sid = 'TR_a'): UpTrack {
  return new UpTrack(sid, 'PA_pub', 'pub', { cid: 'cid', name: 'cam', kind: 'video', source: TrackSource.CAMERA, muted: false, width: 320, height: 180, layers: [], stream: '', requestedCodec: '', encryption: Encryption_Type.NONE });
}

/** A subscriber that records what it was asked to do; binds resolve when the test says. */
class Recorder {
  readonly sid = 'PA_sub';
  log: string[] = [];
  failures: string[] = [];
  pending: { track: UpTrack; resolve: (b: Binding) => void; reject: (e: Error) => void }[] = [];
  autoBind = true;

  bind(t: UpTrack): Promise<Binding> {
    this.log.push(`bind ${t.sid}@${t.info.name}`);
    if (this.autoBind) return Promise.resolve({ up: t });
    return new Promise((resolve, reject) => this.pending.push({ track: t, resolve, reject }));
  }

  unbind(b: Binding): void {
    this.log.push(`unbind ${b.up.sid}@${b.up.info.name}`);
  }

  subscribeFailed(sid: string, reason: string): void {
    this.failures.push(`${sid}: ${reason}`);
  }

  denied = new Set<string>();
  permissionLog: string[] = [];

  allowed(t: UpTrack): boolean {
    return !this.denied.has(t.sid);
  }

  permissionChanged(sid: string, allowed: boolean): void {
    this.permissionLog.push(`${sid} ${allowed ? 'allowed' : 'denied'}`);
  }
}

function setup() {
  const time = new FakeTime();
  const tracks = new RoomTrackManager<UpTrack>();
  const sub = new Recorder();
  const manager = new SubscriptionManager(sub, tracks, time, { retryMs: 200, failAfterMs: 1000 });
  return { time, tracks, sub, manager };
}

describe('subscription manager', () => {
  it('retries a wanted track that is not published yet, and binds once it is', async () => {
    const { time, tracks, sub, manager } = setup();
    manager.subscribe('TR_a');
    await time.advance(600);
    expect(sub.log).toEqual([]);
    tracks.add(track(), 'pub', 'PA_pub');
    await time.advance(0);
    expect(sub.log).toEqual(['bind TR_a@cam']);
    expect(manager.bindingOf('TR_a')).not.toBeNull();
  });

  it('reports TrackSubscribeFailed once when a track does not resolve in time, and keeps trying', async () => {
    const { time, tracks, sub, manager } = setup();
    manager.subscribe('TR_a');
    await time.advance(3000);
    expect(sub.failures).toEqual(['TR_a: track is not published or is closing']);
    tracks.add(track(), 'pub', 'PA_pub');
    await time.advance(200);
    expect(sub.log).toEqual(['bind TR_a@cam']);
  });

  it('does not bind a copy that is closing; it waits for the next copy', async () => {
    const { time, tracks, sub, manager } = setup();
    const closing = track();
    closing.state = 'closing';
    tracks.add(closing, 'pub', 'PA_pub');
    manager.subscribe('TR_a');
    await time.advance(400);
    expect(sub.log).toEqual([]);
  });

  it('releases the old binding before binding the copy that resolves next', async () => {
    const { time, tracks, sub, manager } = setup();
    const remote = track();
    remote.info.name = 'remote';
    tracks.add(remote, 'pub', 'PA_pub');
    manager.subscribe('TR_a');
    await time.advance(0);
    const local = track();
    local.info.name = 'local';
    tracks.add(local, 'pub', 'PA_pub');
    remote.state = 'closing';
    tracks.notifyChanged('TR_a');
    await time.advance(0);
    tracks.remove(remote);
    await time.advance(0);
    expect(sub.log).toEqual(['bind TR_a@remote', 'unbind TR_a@remote', 'bind TR_a@local']);
  });

  it('releases the binding on unsubscribe, and forgets the subscription', async () => {
    const { time, tracks, sub, manager } = setup();
    tracks.add(track(), 'pub', 'PA_pub');
    manager.subscribe('TR_a');
    await time.advance(0);
    manager.unsubscribe('TR_a');
    expect(sub.log).toEqual(['bind TR_a@cam', 'unbind TR_a@cam']);
    expect(manager.wantedSids).toEqual([]);
  });

  it('releases a binding that completes after the subscriber stopped wanting it', async () => {
    const { time, tracks, sub, manager } = setup();
    sub.autoBind = false;
    tracks.add(track(), 'pub', 'PA_pub');
    manager.subscribe('TR_a');
    await settle();
    manager.unsubscribe('TR_a');
    sub.pending[0].resolve({ up: sub.pending[0].track });
    await time.advance(0);
    expect(sub.log).toEqual(['bind TR_a@cam', 'unbind TR_a@cam']);
  });

  it('does not bind a track its publisher does not allow, says so once, and binds when allowed again', async () => {
    const { time, tracks, sub, manager } = setup();
    sub.denied.add('TR_a');
    tracks.add(track(), 'pub', 'PA_pub');
    manager.subscribe('TR_a');
    await time.advance(1000);
    expect(sub.log).toEqual([]);
    expect(sub.permissionLog).toEqual(['TR_a denied']);
    sub.denied.clear();
    manager.recheck('TR_a');
    await time.advance(0);
    expect(sub.log).toEqual(['bind TR_a@cam']);
    expect(sub.permissionLog).toEqual(['TR_a denied', 'TR_a allowed']);
    sub.denied.add('TR_a');
    manager.recheck('TR_a');
    expect(sub.log).toEqual(['bind TR_a@cam', 'unbind TR_a@cam']);
  });

  it('retries after a failed bind', async () => {
    const { time, tracks, sub, manager } = setup();
    sub.autoBind = false;
    tracks.add(track(), 'pub', 'PA_pub');
    manager.subscribe('TR_a');
    await settle();
    sub.pending.shift()!.reject(new Error('no slot'));
    sub.autoBind = true;
    await time.advance(200);
    expect(sub.log).toEqual(['bind TR_a@cam', 'bind TR_a@cam']);
    expect(manager.bindingOf('TR_a')).not.toBeNull();
  });
});
