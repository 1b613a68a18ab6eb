// The join page: a plain livekit-client app. It asks for a name, gets a token for the room in the link, and
// connects to the host through the server exactly as it would to a LiveKit server.
import {
  ConnectionState,
  DisconnectReason,
  type LocalTrackPublication,
  type Participant,
  type RemoteTrack,
  Room,
  RoomEvent,
  Track,
  VideoPresets,
} from 'livekit-client';
import { fetchToken, roomFromPath, signalUrl } from './token';
import './style.css';

const roomName = roomFromPath(location.pathname);
const app = document.getElementById('app')!;

app.innerHTML = `
  <form class="lobby" data-testid="lobby">
    <h1>Join <span class="room-name"></span></h1>
    <label>Your name <input name="name" required maxlength="64" autocomplete="name"></label>
    <button>Join the call</button>
    <p class="error" hidden></p>
  </form>
  <main class="call" hidden>
    <header><h1 class="room-name"></h1><span class="conn" data-testid="connection-state"></span></header>
    <section class="grid" data-testid="grid"></section>
    <nav class="controls">
      <button data-action="mic" data-testid="toggle-mic">Mute microphone</button>
      <button data-action="camera" data-testid="toggle-camera">Turn camera off</button>
      <button data-action="leave" class="leave" data-testid="leave">Leave</button>
    </nav>
    <p class="notice" hidden></p>
  </main>`;

for (const el of app.querySelectorAll('.room-name')) el.textContent = roomName;
const lobby = app.querySelector<HTMLFormElement>('.lobby')!;
const call = app.querySelector<HTMLElement>('.call')!;
const grid = app.querySelector<HTMLElement>('.grid')!;
const notice = app.querySelector<HTMLElement>('.notice')!;
const nameInput = lobby.querySelector('input')!;
nameInput.value = localStorage.getItem('tabsfu-name') ?? '';

lobby.addEventListener('submit', (e) => {
  e.preventDefault();
  void join(nameInput.value.trim()).catch((err: Error) => showLobbyError(err.message));
});

async function join(name: string): Promise<void> {
  localStorage.setItem('tabsfu-name', name);
  lobby.querySelector('button')!.disabled = true;
  const token = new URLSearchParams(location.search).get('token') ?? (await fetchToken(roomName, name));
  const room = new Room({ videoCaptureDefaults: { resolution: VideoPresets.h360.resolution } });
  Object.assign(window, { tabsfuRoom: room });
  wire(room);
  await room.connect(signalUrl(location), token);
  lobby.hidden = true;
  call.hidden = false;
  tileFor(room.localParticipant, true);
  for (const p of room.remoteParticipants.values()) tileFor(p, false);
  if (!navigator.mediaDevices?.getUserMedia) {
    showNotice('This page is not a secure origin, so the browser offers no camera or microphone here. You can see and hear the others; to be seen, open the link over https or on the host machine as localhost.');
    return;
  }
  try {
    await room.localParticipant.enableCameraAndMicrophone();
  } catch (err) {
    showNotice(`Camera or microphone unavailable (${(err as Error).message}); you can still see and hear the others.`);
  }
  updateControls(room);
}

function wire(room: Room): void {
  room
    .on(RoomEvent.ParticipantConnected, (p) => tileFor(p, false))
    .on(RoomEvent.ParticipantDisconnected, (p) => tileOf(p.identity)?.remove())
    .on(RoomEvent.TrackSubscribed, (track, _pub, p) => attach(track, p))
    .on(RoomEvent.TrackUnsubscribed, (track) => track.detach().forEach((el) => el.remove()))
    .on(RoomEvent.LocalTrackPublished, (pub: LocalTrackPublication) => {
      if (pub.track?.kind === Track.Kind.Video) {
        const video = tileFor(room.localParticipant, true).querySelector('video')!;
        pub.track.attach(video);
      }
      updateControls(room);
    })
    .on(RoomEvent.TrackMuted, (_pub, p) => markMuted(p))
    .on(RoomEvent.TrackUnmuted, (_pub, p) => markMuted(p))
    .on(RoomEvent.ConnectionStateChanged, (state) => {
      app.querySelector('.conn')!.textContent = state;
    })
    .on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
      const why = reason === undefined || reason === DisconnectReason.CLIENT_INITIATED ? 'You left the call.' : `The call ended: ${DisconnectReason[reason] ?? reason}.`;
      showNotice(why);
      grid.replaceChildren();
      app.querySelector<HTMLElement>('.controls')!.hidden = true;
    });
  app.querySelector('.controls')!.addEventListener('click', (e) => {
    const action = (e.target as HTMLElement).dataset.action;
    if (action === 'mic') void room.localParticipant.setMicrophoneEnabled(!room.localParticipant.isMicrophoneEnabled).then(() => updateControls(room));
    if (action === 'camera') void room.localParticipant.setCameraEnabled(!room.localParticipant.isCameraEnabled).then(() => updateControls(room));
    if (action === 'leave') void room.disconnect();
  });
}

function tileOf(identity: string): HTMLElement | null {
  return grid.querySelector(`[data-identity="${CSS.escape(identity)}"]`);
}

function tileFor(p: Participant, local: boolean): HTMLElement {
  let tile = tileOf(p.identity);
  if (tile) return tile;
  tile = document.createElement('figure');
  tile.className = local ? 'tile local' : 'tile';
  tile.dataset.identity = p.identity;
  tile.innerHTML = '<video autoplay playsinline muted></video><figcaption><span class="who"></span><span class="mute-marks"></span></figcaption>';
  tile.querySelector('.who')!.textContent = local ? `${p.name || p.identity} (you)` : p.name || p.identity;
  grid.append(tile);
  return tile;
}

function attach(track: RemoteTrack, p: Participant): void {
  const tile = tileFor(p, false);
  if (track.kind === Track.Kind.Video) track.attach(tile.querySelector('video')!);
  else tile.append(track.attach());
  markMuted(p);
}

function markMuted(p: Participant): void {
  const tile = tileOf(p.identity);
  if (!tile) return;
  const marks: string[] = [];
  if (!p.isMicrophoneEnabled) marks.push('mic off');
  if (!p.isCameraEnabled) marks.push('camera off');
  tile.querySelector('.mute-marks')!.textContent = marks.join(' · ');
  tile.dataset.micMuted = String(!p.isMicrophoneEnabled);
  tile.dataset.cameraMuted = String(!p.isCameraEnabled);
}

function updateControls(room: Room): void {
  const lp = room.localParticipant;
  app.querySelector('[data-action=mic]')!.textContent = lp.isMicrophoneEnabled ? 'Mute microphone' : 'Unmute microphone';
  app.querySelector('[data-action=camera]')!.textContent = lp.isCameraEnabled ? 'Turn camera off' : 'Turn camera on';
  if (room.state === ConnectionState.Connected) markMuted(lp);
}

function showNotice(text: string): void {
  notice.textContent = text;
  notice.hidden = false;
}

function showLobbyError(text: string): void {
  const el = lobby.querySelector<HTMLElement>('.error')!;
  el.textContent = text;
  el.hidden = false;
  lobby.querySelector('button')!.disabled = false;
}
