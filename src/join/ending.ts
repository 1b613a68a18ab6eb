// What the page says when a call ends, by livekit-client's DisconnectReason.
import { DisconnectReason } from 'livekit-client';

export interface Ending {
  title: string;
  detail: string;
  /** Whether joining again can help. */
  rejoin: boolean;
}

export function endingFor(reason: DisconnectReason | undefined): Ending {
  switch (reason) {
    case undefined:
    case DisconnectReason.CLIENT_INITIATED:
      return { title: 'You left the call', detail: 'The others carry on without you.', rejoin: true };
    case DisconnectReason.ROOM_DELETED:
      return { title: 'The host closed the room', detail: 'The call is over for everyone.', rejoin: false };
    case DisconnectReason.PARTICIPANT_REMOVED:
      return { title: 'You were removed from the call', detail: 'The host or the app running the call took you out of it.', rejoin: false };
    case DisconnectReason.DUPLICATE_IDENTITY:
      return { title: 'You joined from somewhere else', detail: 'The same name joined this call from another tab or device, which took your place.', rejoin: true };
    default:
      return {
        title: 'The call was lost',
        detail: `The host tab that ran it went away, or your network did (${DisconnectReason[reason] ?? reason}). If the host opens it again, you can rejoin.`,
        rejoin: true,
      };
  }
}
