import { describe, expect, it } from 'vitest';
import { estimateFor, videoShare } from '../../worker/peers/link-shares';

describe('a subscriber connection\'s estimate, shared', () => {
  it('gives each video down an equal part of what its audio, as measured, leaves', () => {
    expect(videoShare(2_080_000, 2, 128_000)).toBe(976_000);
  });

  it('gives nothing when the estimate is unknown, nothing is video, or audio takes it all', () => {
    expect(videoShare(0, 2, 64_000)).toBe(0);
    expect(videoShare(1_000_000, 0, 64_000)).toBe(0);
    expect(videoShare(100_000, 1, 128_000)).toBe(0);
  });

  it('finds the estimate a probe must reach for a share, the share\'s inverse', () => {
    expect(videoShare(estimateFor(1_955_000, 3, 126_000), 3, 126_000)).toBeCloseTo(1_955_000);
  });
});
