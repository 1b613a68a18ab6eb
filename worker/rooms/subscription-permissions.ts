// Who may subscribe to a publisher's tracks (its UpdateSubscriptionPermission): everyone by default, or the
// participants it names, each for all its tracks or for some.
import type { SubscriptionPermission } from '@livekit/protocol';

interface Grant {
  allTracks: boolean;
  trackSids: Set<string>;
}

export class SubscriptionPermissions {
  private all = true;
  private grants = new Map<string, Grant>();

  update(req: SubscriptionPermission): void {
    this.all = req.allParticipants;
    this.grants.clear();
    for (const p of req.trackPermissions) {
      const grant = { allTracks: p.allTracks, trackSids: new Set(p.trackSids) };
      // LiveKit names a subscriber by sid or by identity; either matches
      if (p.participantSid) this.grants.set(p.participantSid, grant);
      if (p.participantIdentity) this.grants.set(p.participantIdentity, grant);
    }
  }

  allows(subscriber: { sid: string; identity: string }, trackSid: string): boolean {
    if (this.all) return true;
    const grant = this.grants.get(subscriber.sid) ?? this.grants.get(subscriber.identity);
    return !!grant && (grant.allTracks || grant.trackSids.has(trackSid));
  }
}
