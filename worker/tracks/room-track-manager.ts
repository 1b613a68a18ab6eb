// The tracks published in one room, by track sid. Several copies of one sid can exist at once, e.g. while a
// participant migrates or resumes and republishes before the old copy has finished closing. The copies
// form a FIFO: the earliest-added copy resolves until it is removed, and a copy that is not open never
// resolves. Subscribers therefore never bind to a second copy while the first still holds their
// transceiver, which is what keeps duplicate tracks out of a subscriber's offer.
import { ChangeNotifier, ChangeNotifierSet } from './change-notifier';

/** What the manager needs of a track: its sid and whether it is open (not closing or closed). */
export interface ManagedTrack {
  readonly sid: string;
  isOpen(): boolean;
}

export interface TrackEntry<T extends ManagedTrack> {
  track: T;
  publisherIdentity: string;
  publisherSid: string;
}

export class RoomTrackManager<T extends ManagedTrack> {
  private copies = new Map<string, TrackEntry<T>[]>();
  private changed = new ChangeNotifierSet();
  private removed = new ChangeNotifierSet();

  /** Adds a copy; adding the same object twice is ignored. */
  add(track: T, publisherIdentity: string, publisherSid: string): void {
    const list = this.copies.get(track.sid) ?? [];
    if (list.some((e) => e.track === track)) return;
    list.push({ track, publisherIdentity, publisherSid });
    this.copies.set(track.sid, list);
    this.notifyChanged(track.sid);
  }

  /** Removes this copy (by object identity, not by sid) and tells its sid's remove observers. */
  remove(track: T): void {
    const list = this.copies.get(track.sid);
    if (!list) return;
    const kept = list.filter((e) => e.track !== track);
    if (kept.length === list.length) return;
    if (kept.length) this.copies.set(track.sid, kept);
    else this.copies.delete(track.sid);
    this.removed.get(track.sid)?.notifyChanged();
    this.changed.remove(track.sid, true);
    this.removed.remove(track.sid, true);
  }

  /** The earliest copy of a sid, or null when there is none or it is not open. */
  resolve(sid: string): TrackEntry<T> | null {
    const first = this.copies.get(sid)?.[0];
    if (!first || !first.track.isOpen()) return null;
    return first;
  }

  /** Every copy of a sid in FIFO order, open or not (for inspection and tests). */
  copiesOf(sid: string): readonly TrackEntry<T>[] {
    return this.copies.get(sid) ?? [];
  }

  notifyChanged(sid: string): void {
    this.changed.get(sid)?.notifyChanged();
  }

  /** True when someone watches this sid and this copy is the one that resolves. */
  hasObservers(track: T): boolean {
    if (!this.changed.get(track.sid)?.hasObservers()) return false;
    return this.resolve(track.sid)?.track === track;
  }

  changeNotifier(sid: string): ChangeNotifier {
    return this.changed.getOrCreate(sid);
  }

  removeNotifier(sid: string): ChangeNotifier {
    return this.removed.getOrCreate(sid);
  }
}
