// A token bucket per participant for data packets: a steady rate with a burst allowance, in packets and bytes.

export interface DataLimits {
  /** Default 1000 packets per second. Host page: ?dataPacketsPerSecond= */
  packetsPerSecond: number;
  /** Default 4 MiB per second, room for byte streams of files. Host page: ?dataBytesPerSecond= */
  bytesPerSecond: number;
  /** How many seconds' worth may arrive at once. Default 2. */
  burstSeconds: number;
}

export const DEFAULT_DATA_LIMITS: DataLimits = { packetsPerSecond: 1000, bytesPerSecond: 4 * 2 ** 20, burstSeconds: 2 };

export class RateLimiter {
  private packets: number;
  private bytes: number;
  private at = -Infinity;

  constructor(private readonly limits: DataLimits) {
    this.packets = limits.packetsPerSecond * limits.burstSeconds;
    this.bytes = limits.bytesPerSecond * limits.burstSeconds;
  }

  /** Takes one packet of `size` bytes from the bucket; false when it does not fit. */
  take(size: number, nowMs: number): boolean {
    const { packetsPerSecond, bytesPerSecond, burstSeconds } = this.limits;
    if (this.at !== -Infinity) {
      const seconds = Math.max(0, nowMs - this.at) / 1000;
      this.packets = Math.min(packetsPerSecond * burstSeconds, this.packets + seconds * packetsPerSecond);
      this.bytes = Math.min(bytesPerSecond * burstSeconds, this.bytes + seconds * bytesPerSecond);
    }
    this.at = nowMs;
    if (this.packets < 1 || this.bytes < size) return false;
    this.packets -= 1;
    this.bytes -= size;
    return true;
  }
}
