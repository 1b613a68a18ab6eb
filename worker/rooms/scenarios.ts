// The server side of livekit-client's simulateScenario(), where it makes sense for a tab: drops, leaves, a
// speaker, an ICE restart, and failures armed for the participant's next resume.
import { DisconnectReason, LeaveRequest, LeaveRequest_Action, type SimulateScenario, SpeakerInfo, SpeakersChanged } from '@livekit/protocol';
import { logger } from '../log';
import type { Participant } from './participant';
import type { Room } from './room';

const log = logger('scenarios');

export function simulateScenario(room: Room, p: Participant, req: SimulateScenario): void {
  const s = req.scenario;
  switch (s.case) {
    case 'migration':
      return room.migrate(p, 'simulated migration');
    case 'nodeFailure':
      return room.migrate(p, 'simulated node failure');
    case 'serverLeave':
      return room.remove(p, DisconnectReason.SERVER_SHUTDOWN);
    case 'leaveRequestFullReconnect':
      p.send({ case: 'leave', value: new LeaveRequest({ reason: DisconnectReason.STATE_MISMATCH, action: LeaveRequest_Action.RECONNECT, canReconnect: true }) });
      return room.migrate(p, 'simulated leave with full reconnect');
    case 'speakerUpdate':
      return simulateSpeaker(room, p, s.value);
    case 'switchCandidateProtocol':
      // the host has one kind of candidate (UDP, host): an ICE restart is what remains of the request
      return p.down.negotiate(true);
    case 'disconnectSignalOnResume':
      p.resumeDrill = 'after-reconnect';
      return;
    case 'disconnectSignalOnResumeNoMessages':
      p.resumeDrill = 'before-messages';
      return;
    default:
      log.debug(`${p.identity}: simulated scenario ${s.case ?? 'none'} does not apply to a tab`);
  }
}

/** Everyone hears `p` speak for `seconds`. */
function simulateSpeaker(room: Room, p: Participant, seconds: number): void {
  const speaking = (active: boolean) => {
    const update = new SpeakersChanged({ speakers: [new SpeakerInfo({ sid: p.sid, level: active ? 0.9 : 0, active })] });
    for (const q of room.participantList) q.send({ case: 'speakersChanged', value: update });
  };
  speaking(true);
  setTimeout(() => speaking(false), seconds * 1000);
}
