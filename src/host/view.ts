// Renders the host view: the link to the server, and per room its join link (copy button, QR code),
// participants and tracks. Rooms the host started by name show before anyone joins them.
import QRCode from 'qrcode';
import type { HostAction, HostView, ParticipantView, RoomView, TrackView } from '../shared/host-bridge';
import { esc } from './html';

export function joinLink(publicUrl: string, room: string): string {
  return `${publicUrl || location.origin}/join/${encodeURIComponent(room)}`;
}

export class HostPage {
  private roomsEl: HTMLElement;
  private statusEl: HTMLElement;
  private cards = new Map<string, HTMLElement>();
  /** People in this tab's rooms, as last rendered. */
  people = 0;

  constructor(root: HTMLElement, private readonly act: (action: HostAction) => Promise<void>) {
    root.innerHTML = `
      <header><h1>tabsfu host</h1><span class="status" data-testid="link-status">connecting…</span></header>
      <p class="hint" data-testid="hosting-hint"><strong>This tab is the media server for every call below.</strong> Closing it ends
        them; reloading it drops everyone for a few seconds. It may sit in the background, and the calls go on while
        you use other tabs.</p>
      <form class="start">
        <label>Start a room <input name="room" placeholder="room name" required maxlength="128"></label>
        <button>Show join link</button>
      </form>
      <section class="rooms" data-testid="rooms"></section>`;
    this.roomsEl = root.querySelector('.rooms')!;
    this.statusEl = root.querySelector('.status')!;
    const form = root.querySelector('form')!;
    const input = form.querySelector('input')!;
    input.value = suggestRoomName();
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      input.value = suggestRoomName();
      // the room opens now, and closes if nobody joins it within the empty timeout
      this.act({ kind: 'create-room', room: name }).catch((err: Error) => alert(err.message));
    });
  }

  render(view: HostView): void {
    this.statusEl.textContent =
      view.linkState === 'open' ? `serving as ${view.hostId} · route ${view.route}${view.warning ? ` · ${view.warning}` : ''}` : view.linkState === 'connecting' ? 'connecting to the server…' : `disconnected: ${view.linkError}`;
    this.statusEl.className = `status ${view.linkState}`;
    const rooms = new Map<string, RoomView>();
    for (const r of view.rooms) rooms.set(r.name, r);
    this.people = view.rooms.reduce((n, r) => n + r.participants.length, 0);
    for (const [name, card] of this.cards) {
      if (!rooms.has(name)) {
        card.remove();
        this.cards.delete(name);
      }
    }
    for (const [name, room] of rooms) this.renderRoom(name, room, view.publicUrl);
    this.roomsEl.querySelector('.empty')?.remove();
    if (!rooms.size) this.roomsEl.insertAdjacentHTML('afterbegin', '<p class="empty">No rooms yet. Start one above, or join any room name: rooms open on the first join.</p>');
  }

  private renderRoom(name: string, room: RoomView, publicUrl: string): void {
    let card = this.cards.get(name);
    if (!card) {
      card = document.createElement('article');
      card.className = 'room';
      card.dataset.room = name;
      const link = joinLink(publicUrl, name);
      card.innerHTML = `
        <div class="room-head">
          <h2></h2>
          <div class="link"><a target="_blank" rel="noopener"></a><button class="copy">Copy link</button></div>
          <img class="qr" alt="QR code of the join link" width="116" height="116">
        </div>
        <ul class="participants"></ul>
        <div class="room-actions"><button data-action="close-room" hidden>Close room</button><span class="action-error"></span></div>`;
      card.querySelector('h2')!.textContent = name;
      const a = card.querySelector('a')!;
      a.href = link;
      a.textContent = link;
      const copy = card.querySelector<HTMLButtonElement>('.copy')!;
      copy.addEventListener('click', () => copyText(link).then((ok) => { copy.textContent = ok ? 'Copied' : 'Select and copy'; setTimeout(() => (copy.textContent = 'Copy link'), 1500); }));
      QRCode.toDataURL(link, { margin: 1, width: 116 }).then((url) => (card!.querySelector<HTMLImageElement>('.qr')!.src = url), () => {});
      card.addEventListener('click', (e) => this.onControl(name, e.target as HTMLElement, card!));
      this.roomsEl.append(card);
      this.cards.set(name, card);
    }
    const list = card.querySelector('.participants')!;
    const people = room.participants;
    list.innerHTML = people.length ? people.map(participantRow).join('') : '<li class="none">nobody here yet</li>';
    card.querySelector<HTMLButtonElement>('[data-action="close-room"]')!.hidden = false;
  }

  private onControl(room: string, target: HTMLElement, card: HTMLElement): void {
    const button = target.closest<HTMLButtonElement>('button[data-action]');
    if (!button || button.dataset.action === undefined) return;
    let action: HostAction | null = null;
    if (button.dataset.action === 'close-room') action = { kind: 'close-room', room };
    if (button.dataset.action === 'remove') action = { kind: 'remove-participant', room, participantSid: button.dataset.sid! };
    if (button.dataset.action === 'mute') action = { kind: 'mute-track', room, trackSid: button.dataset.sid!, muted: button.dataset.muted !== 'true' };
    if (!action) return;
    const error = card.querySelector('.action-error')!;
    error.textContent = '';
    this.act(action).catch((e: Error) => (error.textContent = e.message));
  }
}

function participantRow(p: ParticipantView): string {
  const tracks = p.tracks.length ? p.tracks.map(trackRow).join('') : '<span class="track none">no tracks</span>';
  return `<li data-identity="${esc(p.identity)}"><strong>${esc(p.name || p.identity)}</strong> <span class="state">${esc(p.state.toLowerCase())}</span> <button class="small" data-action="remove" data-sid="${esc(p.sid)}">Remove</button><div class="tracks">${tracks}</div></li>`;
}

function trackRow(t: TrackView): string {
  const size = t.kind === 'video' && t.width ? ` ${t.width}×${t.height}` : '';
  const codec = t.codec ? t.codec.split('/')[1] : 'pending';
  return `<span class="track ${t.kind}${t.muted ? ' muted' : ''}" data-track="${esc(t.sid)}">${esc(t.source)} · ${esc(codec)}${size} · <span class="frames">${t.frames} frames</span>${t.muted ? ' · muted' : ''} <button class="small" data-action="mute" data-sid="${esc(t.sid)}" data-muted="${t.muted}">${t.muted ? 'Unmute' : 'Mute'}</button><span class="receivers">${receivers(t)}</span></span>`;
}

/** Who gets a track: "to nobody yet", or each subscriber with the layer it gets (simulcast) or that it paused it. */
function receivers(t: TrackView): string {
  if (!t.subscribedBy.length) return 'to nobody yet';
  const each = t.subscribedBy.map((s) => {
    const how = s.paused ? 'paused' : s.layer;
    return `<span class="receiver" data-identity="${esc(s.identity)}"${s.layer ? ` data-layer="${esc(s.layer)}"` : ''}>${esc(s.name || s.identity)}${how ? ` (${esc(how)})` : ''}</span>`;
  });
  return `to ${each.join(', ')}`;
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function suggestRoomName(): string {
  const words = ['maple', 'harbor', 'cobalt', 'meadow', 'ember', 'quartz', 'willow', 'summit'];
  return `${words[Math.floor(Math.random() * words.length)]}-${Math.floor(100 + Math.random() * 900)}`;
}
