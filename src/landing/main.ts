// The landing page: a room name box that opens that room's join page.
import './style.css';

const form = document.querySelector<HTMLFormElement>('form[data-join]')!;
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const room = (form.elements.namedItem('room') as HTMLInputElement).value.trim();
  if (room) location.href = `/join/${encodeURIComponent(room)}`;
});
