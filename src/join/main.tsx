// The join page: LiveKit's own React components (preview, layouts, tiles, chat, controls) on a plain livekit-client
// Room, which connects to the host through the server exactly as it would to a LiveKit server.
import { createRoot } from 'react-dom/client';
import '@livekit/components-styles';
import './style.css';
import { JoinApp } from './join-app';
import { roomFromPath } from './token';

createRoot(document.getElementById('app')!).render(<JoinApp roomName={roomFromPath(location.pathname)} />);
