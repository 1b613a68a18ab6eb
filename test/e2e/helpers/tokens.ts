// Tokens as any LiveKit app mints them: with livekit-server-sdk, from the dev key and secret.
import { RoomConfiguration } from '@livekit/protocol';
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';

export interface TokenOptions {
  secret?: string;
  ttl?: string | number;
  name?: string;
  metadata?: string;
  attributes?: Record<string, string>;
  /** e.g. { departureTimeout: 1, maxParticipants: 2 } */
  roomConfig?: Record<string, unknown>;
}

export async function sdkToken(room: string, identity: string, grant: Partial<VideoGrant> = {}, opts: TokenOptions = {}): Promise<string> {
  const at = new AccessToken('devkey', opts.secret ?? 'secret', {
    identity,
    name: opts.name ?? identity,
    ttl: opts.ttl ?? '1h',
    metadata: opts.metadata,
    attributes: opts.attributes,
  });
  at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, ...grant });
  if (opts.roomConfig) at.roomConfig = new RoomConfiguration(opts.roomConfig);
  return at.toJwt();
}

/** An administrator's token for the admin API (LiveKit's roomAdmin grant). */
export async function adminToken(room: string): Promise<string> {
  const at = new AccessToken('devkey', 'secret', { identity: 'admin', ttl: '10m' });
  at.addGrant({ room, roomAdmin: true });
  return at.toJwt();
}
