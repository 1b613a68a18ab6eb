// Joining without React: a token for the room in the link (or the one the link carries), a connected Room, and the
// camera and microphone the person chose before joining.
import { Room, VideoPresets } from 'livekit-client';
import type { LocalUserChoices } from '@livekit/components-react';
import { fetchToken, signalUrl } from './token';

/** Whether this page may capture at all: browsers offer no camera or microphone to a page that is not a secure origin. */
export function canCapture(): boolean {
  return !!navigator.mediaDevices?.getUserMedia;
}

/** Connects as `name`; the Room is also `window.tabsfuRoom`, for tests and for anyone debugging the page. */
export async function connectRoom(roomName: string, name: string): Promise<Room> {
  localStorage.setItem('tabsfu-name', name);
  const token = new URLSearchParams(location.search).get('token') ?? (await fetchToken(roomName, name));
  const room = new Room({ videoCaptureDefaults: { resolution: VideoPresets.h360.resolution } });
  Object.assign(window, { tabsfuRoom: room });
  await room.connect(signalUrl(location), token);
  return room;
}

/** A device the person picked in the lobby; nothing, or the browser's 'default', is no constraint. */
function picked(deviceId: string): string | undefined {
  return deviceId && deviceId !== 'default' ? deviceId : undefined;
}

/** Publishes what the person chose in the lobby; returns what to tell them when the browser refused, else null. */
export async function publishChoices(room: Room, choices: LocalUserChoices): Promise<string | null> {
  if (!canCapture()) {
    return 'This page is not a secure origin, so the browser offers no camera or microphone here. You can see and hear the others; to be seen, open the link over https or on the host machine as localhost.';
  }
  try {
    await room.localParticipant.setCameraEnabled(choices.videoEnabled, { deviceId: picked(choices.videoDeviceId) });
    await room.localParticipant.setMicrophoneEnabled(choices.audioEnabled, { deviceId: picked(choices.audioDeviceId) });
    return null;
  } catch (err) {
    return `Camera or microphone unavailable (${(err as Error).message}); you can still see and hear the others.`;
  }
}
