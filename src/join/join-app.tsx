// The join page's three stages: the lobby (name, camera and microphone, a preview), the call, and how it ended.
import type { LocalUserChoices } from '@livekit/components-react';
import { RoomEvent, type DisconnectReason, type Room } from 'livekit-client';
import { useState } from 'react';
import { Conference } from './conference';
import { connectRoom, publishChoices } from './connect';
import { endingFor, type Ending } from './ending';
import { Lobby } from './lobby';

type Stage =
  | { kind: 'lobby'; joining: boolean; error: string | null }
  | { kind: 'call'; room: Room; notice: string | null }
  | { kind: 'ended'; ending: Ending };

export function JoinApp({ roomName }: { roomName: string }) {
  const [stage, setStage] = useState<Stage>({ kind: 'lobby', joining: false, error: null });

  async function join(choices: LocalUserChoices): Promise<void> {
    setStage({ kind: 'lobby', joining: true, error: null });
    let room: Room;
    try {
      room = await connectRoom(roomName, choices.username.trim());
    } catch (err) {
      setStage({ kind: 'lobby', joining: false, error: (err as Error).message });
      return;
    }
    room.once(RoomEvent.Disconnected, (reason?: DisconnectReason) => setStage({ kind: 'ended', ending: endingFor(reason) }));
    setStage({ kind: 'call', room, notice: null });
    const notice = await publishChoices(room, choices);
    if (notice) setStage((s) => (s.kind === 'call' ? { ...s, notice } : s));
  }

  if (stage.kind === 'call') return <Conference room={stage.room} roomName={roomName} notice={stage.notice} />;
  if (stage.kind === 'ended') return <Ended ending={stage.ending} roomName={roomName} />;
  return <Lobby roomName={roomName} joining={stage.joining} error={stage.error} onJoin={join} />;
}

function Ended({ ending, roomName }: { ending: Ending; roomName: string }) {
  return (
    <main className="ended" data-testid="ended" data-lk-theme="default">
      <h1>{ending.title}</h1>
      <p>{ending.detail}</p>
      {ending.rejoin && <button className="lk-button" onClick={() => location.reload()}>Join {roomName} again</button>}
    </main>
  );
}
