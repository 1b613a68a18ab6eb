// Data a participant publishes on its `_reliable` or `_lossy` channel: checked against its grant and its rate
// limit, stamped with who sent it (a client cannot speak for someone else), and addressed.
import { DataPacket, RequestResponse, RequestResponse_Reason } from '@livekit/protocol';
import { logger } from '../log';
import { type DataLimits, RateLimiter } from './rate-limiter';

const log = logger('data');

export type DataLabel = '_reliable' | '_lossy';

export interface DataSender {
  readonly sid: string;
  readonly identity: string;
  readonly canPublishData: boolean;
  /** Tells the sender's client something went wrong (a RequestResponse on its signal connection). */
  notify(response: RequestResponse): void;
}

export interface AddressedPacket {
  label: DataLabel;
  packet: DataPacket;
  /** Identities the packet is for; empty means everyone else in the room. */
  to: string[];
}

export class DataIn {
  /** Highest reliable sequence received, which a resumed client resends after (ReconnectResponse). */
  lastReliableSeq = 0;
  dropped = 0;
  private limiter: RateLimiter;
  private droppedSinceNotice = 0;
  private noticeAt = -Infinity;

  constructor(private readonly sender: DataSender, private readonly limits: DataLimits) {
    this.limiter = new RateLimiter(limits);
  }

  /** Returns the packet to deliver, or null when it is refused (the reason is logged and counted). */
  receive(label: string, bytes: Uint8Array, nowMs: number): AddressedPacket | null {
    if (label !== '_reliable' && label !== '_lossy') return null;
    if (!this.sender.canPublishData) return this.drop('the token does not allow publishing data', nowMs, RequestResponse_Reason.NOT_ALLOWED);
    if (!this.limiter.take(bytes.byteLength, nowMs)) return this.drop('', nowMs, RequestResponse_Reason.LIMIT_EXCEEDED);
    let packet: DataPacket;
    try {
      packet = DataPacket.fromBinary(bytes);
    } catch (e) {
      return this.drop(`malformed data packet: ${(e as Error).message}`, nowMs, RequestResponse_Reason.UNCLASSIFIED_ERROR);
    }
    packet.participantIdentity = this.sender.identity;
    packet.participantSid = this.sender.sid;
    const to = new Set(packet.destinationIdentities);
    if (packet.value.case === 'user') {
      const user = packet.value.value;
      user.participantIdentity = this.sender.identity;
      user.participantSid = this.sender.sid;
      for (const id of user.destinationIdentities) to.add(id);
    }
    if (label === '_reliable' && packet.sequence > this.lastReliableSeq) this.lastReliableSeq = packet.sequence;
    return { label, packet, to: [...to] };
  }

  private drop(reason: string, nowMs: number, code: RequestResponse_Reason): null {
    this.dropped++;
    this.droppedSinceNotice++;
    // at most one notice per second, so that a flood of refusals does not become a flood of its own
    if (nowMs - this.noticeAt < 1000) return null;
    this.noticeAt = nowMs;
    const { packetsPerSecond, bytesPerSecond } = this.limits;
    const message = code === RequestResponse_Reason.LIMIT_EXCEEDED
      ? `data rate limit exceeded: ${this.droppedSinceNotice} packet(s) dropped (limit ${packetsPerSecond} packets/s and ${Math.round(bytesPerSecond / 1024)} KiB/s per participant)`
      : `data packet refused: ${reason}`;
    log.warn(`${this.sender.identity}: ${message}`);
    this.sender.notify(new RequestResponse({ reason: code, message }));
    this.droppedSinceNotice = 0;
    return null;
  }
}
