import { describe, expect, it } from 'vitest';
import { RoomTrackManager, type ManagedTrack } from '../../worker/tracks/room-track-manager';

class Copy implements ManagedTrack {
  open = true;
  constructor(readonly sid: string, readonly label: string) {}
  isOpen() {
    return this.open;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('room track manager', () => {
  it('resolves the earliest copy of a track until that copy is removed', () => {
    const m = new RoomTrackManager<Copy>();
    const first = new Copy('TR_a', 'remote');
    const second = new Copy('TR_a', 'local');
    m.add(first, 'pb', 'PA_b');
    m.add(second, 'pb', 'PA_b');
    expect(m.resolve('TR_a')?.track).toBe(first);
    m.remove(first);
    expect(m.resolve('TR_a')?.track).toBe(second);
  });

  it('never resolves a copy that is closing, even when a later copy is open', () => {
    const m = new RoomTrackManager<Copy>();
    const closing = new Copy('TR_a', 'remote');
    const next = new Copy('TR_a', 'local');
    m.add(closing, 'pb', 'PA_b');
    m.add(next, 'pb', 'PA_b');
    closing.open = false;
    expect(m.resolve('TR_a')).toBeNull();
    m.remove(closing);
    expect(m.resolve('TR_a')?.track).toBe(next);
  });

  it('removes by the identity of the copy, not by its sid', () => {
    const m = new RoomTrackManager<Copy>();
    const a = new Copy('TR_a', 'one');
    m.add(a, 'pb', 'PA_b');
    m.remove(new Copy('TR_a', 'a stranger with the same sid'));
    expect(m.resolve('TR_a')?.track).toBe(a);
    expect(m.copiesOf('TR_a')).toHaveLength(1);
  });

  it('keeps one entry when the same copy is added twice', () => {
    const m = new RoomTrackManager<Copy>();
    const a = new Copy('TR_a', 'one');
    m.add(a, 'pb', 'PA_b');
    m.add(a, 'pb', 'PA_b');
    expect(m.copiesOf('TR_a')).toHaveLength(1);
  });

  it('says a copy has observers only while it is the one that resolves', () => {
    const m = new RoomTrackManager<Copy>();
    const first = new Copy('TR_a', 'remote');
    const second = new Copy('TR_a', 'local');
    m.add(first, 'pb', 'PA_b');
    m.add(second, 'pb', 'PA_b');
    expect(m.hasObservers(first)).toBe(false);
    m.changeNotifier('TR_a').addObserver('PA_sub', () => {});
    expect(m.hasObservers(first)).toBe(true);
    expect(m.hasObservers(second)).toBe(false);
    first.open = false;
    expect(m.hasObservers(first)).toBe(false);
  });

  it('tells remove observers when a copy goes, and drops the sid\'s notifiers so observers re-register', async () => {
    const m = new RoomTrackManager<Copy>();
    const a = new Copy('TR_a', 'one');
    m.add(a, 'pb', 'PA_b');
    let removed = 0;
    let changed = 0;
    m.removeNotifier('TR_a').addObserver('PA_sub', () => removed++);
    m.changeNotifier('TR_a').addObserver('PA_sub', () => changed++);
    m.remove(a);
    await settle();
    expect(removed).toBe(1);
    expect(m.changeNotifier('TR_a').hasObservers()).toBe(false);
    m.add(new Copy('TR_a', 'two'), 'pb', 'PA_b');
    await settle();
    expect(changed).toBe(0);
  });

  it('runs observers after the caller returns, never inside its call', () => {
    const m = new RoomTrackManager<Copy>();
    let ran = false;
    m.changeNotifier('TR_a').addObserver('PA_sub', () => (ran = true));
    m.add(new Copy('TR_a', 'one'), 'pb', 'PA_b');
    expect(ran).toBe(false);
  });
});
