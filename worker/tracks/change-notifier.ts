// Keyed observers of "something about this id changed". Observers run in a later microtask, never inside
// the caller's stack, so that a notifier fired mid-update cannot re-enter the code that fired it.

export type Observer = () => void;

export class ChangeNotifier {
  private observers = new Map<string, Observer>();

  addObserver(key: string, observer: Observer): void {
    this.observers.set(key, observer);
  }

  removeObserver(key: string): void {
    this.observers.delete(key);
  }

  hasObservers(): boolean {
    return this.observers.size > 0;
  }

  notifyChanged(): void {
    for (const observer of [...this.observers.values()]) queueMicrotask(observer);
  }
}

/** One notifier per id, created on demand and dropped when its id goes away. */
export class ChangeNotifierSet {
  private notifiers = new Map<string, ChangeNotifier>();

  get(id: string): ChangeNotifier | undefined {
    return this.notifiers.get(id);
  }

  getOrCreate(id: string): ChangeNotifier {
    let n = this.notifiers.get(id);
    if (!n) {
      n = new ChangeNotifier();
      this.notifiers.set(id, n);
    }
    return n;
  }

  /** Drops the notifier; with `force` even when it still has observers (they must re-register). */
  remove(id: string, force: boolean): void {
    const n = this.notifiers.get(id);
    if (n && (force || !n.hasObservers())) this.notifiers.delete(id);
  }
}
