// The event timeline: newest first, filtered by room and by participant; the filters offer what the events name.
import type { TelemetryEvent } from '../../shared/telemetry-records';
import { esc } from '../html';

export interface TimelineFilter {
  room: string;
  participantSid: string;
}

export class Timeline {
  readonly filter: TimelineFilter = { room: '', participantSid: '' };
  private roomSelect: HTMLSelectElement;
  private participantSelect: HTMLSelectElement;
  private list: HTMLElement;
  private rooms = new Set<string>();
  private participants = new Map<string, { identity: string; room: string }>();

  constructor(root: HTMLElement, onChange: () => void) {
    root.innerHTML = `
      <div class="filters">
        <label>Room <select data-testid="filter-room"><option value="">all rooms</option></select></label>
        <label>Participant <select data-testid="filter-participant"><option value="">everyone</option></select></label>
      </div>
      <ol class="timeline" data-testid="timeline" tabindex="0" aria-label="Events"></ol>`;
    this.roomSelect = root.querySelector('[data-testid="filter-room"]')!;
    this.participantSelect = root.querySelector('[data-testid="filter-participant"]')!;
    this.list = root.querySelector('.timeline')!;
    this.roomSelect.addEventListener('change', () => {
      this.filter.room = this.roomSelect.value;
      this.filter.participantSid = '';
      this.fillParticipants();
      onChange();
    });
    this.participantSelect.addEventListener('change', () => {
      this.filter.participantSid = this.participantSelect.value;
      onChange();
    });
  }

  /** Learns room and participant names from events, so the filters can offer them. */
  learn(events: TelemetryEvent[]): void {
    let grew = false;
    for (const e of events) {
      if (e.room && !this.rooms.has(e.room)) {
        this.rooms.add(e.room);
        this.roomSelect.append(new Option(e.room, e.room));
      }
      if (e.participantSid && !this.participants.has(e.participantSid)) {
        this.participants.set(e.participantSid, { identity: e.identity, room: e.room });
        grew = true;
      }
    }
    if (grew) this.fillParticipants();
  }

  show(events: TelemetryEvent[]): void {
    this.list.innerHTML = events.length
      ? events.map(row).join('')
      : '<li class="none">No events yet.</li>';
  }

  forget(): void {
    this.rooms.clear();
    this.participants.clear();
    this.roomSelect.length = 1;
    this.fillParticipants();
  }

  private fillParticipants(): void {
    const chosen = this.participantSelect.value;
    this.participantSelect.length = 1;
    for (const [sid, p] of this.participants) {
      if (!this.filter.room || p.room === this.filter.room) this.participantSelect.append(new Option(`${p.identity} (${sid})`, sid));
    }
    this.participantSelect.value = [...this.participantSelect.options].some((o) => o.value === chosen) ? chosen : '';
  }
}

function row(e: TelemetryEvent): string {
  const time = new Date(e.at).toLocaleTimeString([], { hour12: false });
  const who = e.identity ? ` · ${esc(e.identity)}` : '';
  const track = e.trackSid ? ` · ${esc(e.trackSid)}` : '';
  const detail = e.detail ? ` · ${esc(e.detail)}` : '';
  return `<li data-event="${e.event}" data-participant="${esc(e.participantSid)}"><time>${time}</time> <strong>${e.event}</strong> · ${esc(e.room)}${who}${track}${detail}</li>`;
}
