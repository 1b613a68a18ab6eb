// Tokens as any LiveKit app mints them: with livekit-server-sdk, from the dev key and secret.
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';

export async function sdkToken(room: string, identity: string, grant: Partial<VideoGrant> = {}, opts: { secret?: string; ttl?: string | number; name?: string } = {}): Promise<string> {
  const at = new AccessToken('devkey', opts.secret ?? 'secret', { identity, name: opts.name ?? identity, ttl: opts.ttl ?? '1h' });
  at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, ...grant });
  return at.toJwt();
}
