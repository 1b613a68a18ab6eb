// Who holds a participant's stats worker open. Two sources join and leave on their own: the participant itself
// (its whole session) and each signal connection. A guard activates and releases once, however often it is
// asked to, so that a source reporting twice cannot unbalance the count.

export class ReferenceGuard {
  activated = false;
  released = false;
}

export class ReferenceCount {
  count = 0;

  activate(guard: ReferenceGuard | null): void {
    if (!guard || guard.activated) return;
    guard.activated = true;
    this.count++;
  }

  /** True when this release brought the count to zero. */
  release(guard: ReferenceGuard | null): boolean {
    if (!guard || !guard.activated || guard.released) return false;
    guard.released = true;
    this.count--;
    return this.count === 0;
  }
}
