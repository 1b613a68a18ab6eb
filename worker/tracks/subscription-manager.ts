// One participant's subscriptions: what it wants, reconciled with what the room's track manager resolves.
// A wanted track that does not resolve (not published yet, or its copy is closing) is retried; when the
// resolved copy changes, the old binding is released before the new one is made, so the subscriber's
// transceiver is reused rather than duplicated.
import type { RoomTrackManager } from './room-track-manager';
import type { UpTrack } from '../media/up-track';

export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** A subscriber's copy of one track, as the subscriber's down connection made it. */
export interface Binding {
  readonly up: UpTrack;
}

/**
 * Why a binding is released. `keepForResume`: the copy it was bound to closed while expected to resume, so the
 * subscriber keeps the transceiver for the track's next copy instead of handing it to any track.
 */
export interface Release {
  keepForResume: boolean;
}

/** What the manager needs of the subscribing participant. */
export interface Subscriber<B extends Binding> {
  readonly sid: string;
  bind(track: UpTrack): Promise<B>;
  unbind(binding: B, release: Release): void;
  /** Whether the track's publisher lets this subscriber have it (UpdateSubscriptionPermission). */
  allowed(track: UpTrack): boolean;
  /** The publisher's permission for this subscriber changed (told once per change). */
  permissionChanged(trackSid: string, allowed: boolean): void;
  /**
   * The subscription could not be made within the give-up time, or an attempt threw an error marked `final` (one
   * retrying cannot help, e.g. a codec the subscriber cannot decode); `reason` is for the client, `error` is what
   * the last attempt to bind threw, if it threw.
   */
  subscribeFailed(trackSid: string, reason: string, error?: Error): void;
}

export interface SubscriptionOptions {
  /** Delay between attempts while a wanted track does not resolve. Default 200 ms. */
  retryMs: number;
  /** After this long without success, report TrackSubscribeFailed (attempts continue). Default 10 s. */
  failAfterMs: number;
}

export const DEFAULT_SUBSCRIPTION_OPTIONS: SubscriptionOptions = { retryMs: 200, failAfterMs: 10_000 };

interface Subscription<B> {
  sid: string;
  wanted: boolean;
  binding: B | null;
  busy: boolean;
  dirty: boolean;
  since: number;
  failed: boolean;
  /** The publisher does not allow it; it waits for a permission change rather than retrying. */
  denied: boolean;
  retry: unknown;
}

export class SubscriptionManager<B extends Binding> {
  private subs = new Map<string, Subscription<B>>();
  private closed = false;

  constructor(
    private readonly subscriber: Subscriber<B>,
    private readonly tracks: RoomTrackManager<UpTrack>,
    private readonly scheduler: Scheduler = realScheduler,
    private readonly options: SubscriptionOptions = DEFAULT_SUBSCRIPTION_OPTIONS,
  ) {}

  subscribe(trackSid: string): void {
    const sub = this.subs.get(trackSid) ?? this.create(trackSid);
    if (!sub.wanted) {
      sub.wanted = true;
      sub.since = this.scheduler.now();
      sub.failed = false;
    }
    this.reconcile(sub);
  }

  unsubscribe(trackSid: string): void {
    const sub = this.subs.get(trackSid);
    if (!sub) return;
    sub.wanted = false;
    this.reconcile(sub);
  }

  /** Re-evaluates a subscription, e.g. after its publisher changed who may subscribe. */
  recheck(trackSid: string): void {
    const sub = this.subs.get(trackSid);
    if (sub) this.reconcile(sub);
  }

  isWanted(trackSid: string): boolean {
    return this.subs.get(trackSid)?.wanted ?? false;
  }

  /** The subscriber's end refused a binding (its answer rejected the section): let it go and try again. */
  bindingRefused(binding: B): void {
    const sub = [...this.subs.values()].find((s) => s.binding === binding);
    if (!sub) return;
    this.subscriber.unbind(binding, { keepForResume: false });
    sub.binding = null;
    this.reconcile(sub);
  }

  bindingOf(trackSid: string): B | null {
    return this.subs.get(trackSid)?.binding ?? null;
  }

  get wantedSids(): string[] {
    return [...this.subs.values()].filter((s) => s.wanted).map((s) => s.sid);
  }

  close(): void {
    this.closed = true;
    for (const sub of this.subs.values()) {
      this.scheduler.clearTimeout(sub.retry);
      this.unwatch(sub);
      if (sub.binding) this.subscriber.unbind(sub.binding, { keepForResume: false });
      sub.binding = null;
    }
    this.subs.clear();
  }

  private create(sid: string): Subscription<B> {
    const sub: Subscription<B> = { sid, wanted: false, binding: null, busy: false, dirty: false, since: 0, failed: false, denied: false, retry: null };
    this.subs.set(sid, sub);
    return sub;
  }

  private reconcile(sub: Subscription<B>): void {
    if (this.closed) return;
    if (sub.busy) {
      sub.dirty = true;
      return;
    }
    this.scheduler.clearTimeout(sub.retry);
    sub.retry = null;
    let resolved = sub.wanted ? this.tracks.resolve(sub.sid)?.track ?? null : null;
    if (resolved) {
      const allowed = this.subscriber.allowed(resolved);
      if (allowed === sub.denied) {
        sub.denied = !allowed;
        this.subscriber.permissionChanged(sub.sid, allowed);
      }
      if (!allowed) resolved = null;
    }
    if (sub.binding && sub.binding.up !== resolved) {
      // the flag cached when the copy began closing decides, whatever state the copy has reached since
      const up = sub.binding.up;
      this.subscriber.unbind(sub.binding, { keepForResume: sub.wanted && up.state !== 'open' && up.expectedToResume });
      sub.binding = null;
    }
    if (!sub.wanted) {
      this.unwatch(sub);
      this.subs.delete(sub.sid);
      return;
    }
    this.watch(sub);
    if (sub.binding) return;
    if (sub.denied) return;
    if (!resolved) {
      this.retryLater(sub, 'track is not published or is closing');
      return;
    }
    sub.busy = true;
    this.subscriber.bind(resolved).then(
      (binding) => {
        sub.busy = false;
        if (this.closed) {
          this.subscriber.unbind(binding, { keepForResume: false });
          return;
        }
        sub.binding = binding;
        sub.failed = false;
        // whatever changed while binding (unsubscribe, a closed or replaced copy, a permission) is settled now
        if (sub.dirty || binding.up !== this.tracks.resolve(sub.sid)?.track || !sub.wanted || !this.subscriber.allowed(binding.up)) {
          sub.dirty = false;
          this.reconcile(sub);
        }
      },
      (e: Error) => {
        sub.busy = false;
        sub.dirty = false;
        // an error that says retrying cannot help fails at once; the watch tries again when the track changes
        if ((e as { final?: boolean }).final) this.fail(sub, e.message, e);
        else this.retryLater(sub, e.message, e);
      },
    );
  }

  private fail(sub: Subscription<B>, reason: string, error?: Error): void {
    if (sub.failed) return;
    sub.failed = true;
    this.subscriber.subscribeFailed(sub.sid, reason, error);
  }

  private retryLater(sub: Subscription<B>, reason: string, error?: Error): void {
    if (this.scheduler.now() - sub.since >= this.options.failAfterMs) this.fail(sub, reason, error);
    sub.retry = this.scheduler.setTimeout(() => this.reconcile(sub), this.options.retryMs);
  }

  /** Change and remove notifiers are dropped with the copy they were for, so re-register every time. */
  private watch(sub: Subscription<B>): void {
    const key = this.subscriber.sid;
    this.tracks.changeNotifier(sub.sid).addObserver(key, () => this.reconcile(sub));
    this.tracks.removeNotifier(sub.sid).addObserver(key, () => this.reconcile(sub));
  }

  private unwatch(sub: Subscription<B>): void {
    this.tracks.changeNotifier(sub.sid).removeObserver(this.subscriber.sid);
    this.tracks.removeNotifier(sub.sid).removeObserver(this.subscriber.sid);
  }
}
