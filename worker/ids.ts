// LiveKit-style ids: a type prefix and 12 random base62 characters.
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type SidPrefix = 'RM_' | 'PA_' | 'TR_' | 'EV_';

export function newSid(prefix: SidPrefix): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let out = prefix;
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}
