import { describe, expect, it } from 'vitest';
import { AUDIO_SHARE_BPS, estimateFor, videoShare } from '../../worker/peers/link-shares';

describe('a subscriber connection\'s estimate, shared', () => {
  it('gives each video down an equal part of what its audio leaves', () => {
    expect(videoShare(2_080_000, { video: 2, audio: 2 })).toBe((2_080_000 - 2 * AUDIO_SHARE_BPS) / 2);
  });

  it('gives nothing when the estimate is unknown or nothing is video', () => {
    expect(videoShare(0, { video: 2, audio: 1 })).toBe(0);
    expect(videoShare(1_000_000, { video: 0, audio: 1 })).toBe(0);
  });

  it('finds the estimate a probe must reach for a share, the share\'s inverse', () => {
    const f = { video: 3, audio: 2 };
    expect(videoShare(estimateFor(1_955_000, f), f)).toBeCloseTo(1_955_000);
  });
});
