// How telemetry words a simulcast layer switch's reason.
import { SwitchReason } from '../core/forwarding-core';
import type { LinkFigures } from '../peers/down-peer';

/** How telemetry names a simulcast switch's reason (the core's SwitchReason). */
const SWITCH_REASONS: Record<SwitchReason, string> = {
  [SwitchReason.None]: 'none', [SwitchReason.Start]: 'start', [SwitchReason.Settings]: 'tile size or quality',
  [SwitchReason.Bandwidth]: 'bandwidth', [SwitchReason.Recovered]: 'bandwidth recovered', [SwitchReason.LayerStopped]: 'layer stopped',
};

/** A switch's reason for telemetry; one for bandwidth says what the link showed (why a layer was left is otherwise lost). */
export function switchReason(reason: SwitchReason, link: LinkFigures | null): string {
  if (reason !== SwitchReason.Bandwidth || !link) return SWITCH_REASONS[reason];
  return `${SWITCH_REASONS[reason]} (estimate ${Math.round(link.estimateBps / 1000)} kbit/s, send delay ${Math.round(link.sendDelayMs)} ms, loss ${Math.round(link.loss * 100)} %)`;
}
