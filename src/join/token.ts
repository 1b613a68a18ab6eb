// Where the join page gets its room, its token and its signal URL.

export function roomFromPath(pathname: string): string {
  const m = /^\/join\/([^/]+)/.exec(pathname);
  return m ? decodeURIComponent(m[1]) : '';
}

/** The server's dev token endpoint (see README, "Tokens"). */
export async function fetchToken(room: string, name: string): Promise<string> {
  const q = new URLSearchParams({ room, name });
  const res = await fetch(`/api/token?${q}`);
  const body = (await res.json().catch(() => ({}))) as { token?: string; error?: string };
  if (!res.ok || !body.token) throw new Error(body.error ?? `the server gave no token (${res.status})`);
  return body.token;
}

/** LiveKit clients take the server's base URL; the SDK adds /rtc. */
export function signalUrl(loc: Location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}`;
}
