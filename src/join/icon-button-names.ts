// LiveKit's components draw some buttons with an icon only and no name (a tile's pin, the chat's close, the grid's
// pager), which a screen reader announces as just "button". This names them as they appear.

function nameFor(button: Element): string | null {
  if (button.classList.contains('lk-focus-toggle-button')) {
    const tile = button.closest('.lk-participant-tile');
    const who = tile?.getAttribute('aria-label') ?? 'this tile';
    // the pinned tile sits in the focus layout itself; the others are in its carousel, or in the grid
    return tile?.parentElement?.classList.contains('lk-focus-layout') ? `Unpin ${who}` : `Pin ${who}`;
  }
  if (button.classList.contains('lk-close-button')) return 'Close chat';
  const pager = button.closest('.lk-pagination-control');
  if (pager) return button === pager.firstElementChild ? 'Previous page' : button === pager.lastElementChild ? 'Next page' : null;
  return null;
}

const ICON_BUTTONS = '.lk-focus-toggle-button, .lk-close-button, .lk-pagination-control > button';

/** Names the icon-only buttons under `root`, now and whenever the page changes; returns a function that stops. */
export function nameIconButtons(root: Element): () => void {
  const apply = () => {
    for (const button of root.querySelectorAll(ICON_BUTTONS)) {
      const name = nameFor(button);
      if (name && button.getAttribute('aria-label') !== name) button.setAttribute('aria-label', name);
    }
  };
  apply();
  const observer = new MutationObserver(apply);
  observer.observe(root, { childList: true, subtree: true });
  return () => observer.disconnect();
}
