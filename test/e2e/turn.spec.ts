import path from 'node:path';
import { chromium, expect, test, type Browser, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './helpers/chromium';
import { TEST_HOST_KEY, hostPageUrl } from './helpers/host-key';
import { PUBLIC_IP, createNatLab, natLabUnavailable, waitForOutput, type NatLab } from './helpers/nat-lab';
import { COLORS, joinPeer, waitToSeeAndHear } from './helpers/peer';

// People on other networks than the host's (a home NAT, a phone) reach it only through a TURN server. Here the host
// and two peers each sit behind a NAT of their own and can reach each other only through coturn; the server hands
// out credentials it minted for each session (JoinResponse.iceServers for clients, the welcome for the host page).
const unavailable = natLabUnavailable();
const SECRET = 'turn-test-secret';
const PORT = 7960;
const BASE = `http://${PUBLIC_IP}:${PORT}`;

/** Types of the two candidates of each connection's selected pair. */
function selectedPairs(page: Page, which: 'host' | 'peer'): Promise<string[][]> {
  return page.evaluate(async (side) => {
    type Stats = { getStats(): Promise<RTCStatsReport> };
    const w = window as unknown as { tabsfuHost?: { peers: { allConnections(): RTCPeerConnection[] } }; tabsfuRoom?: { engine: { pcManager: { publisher: Stats; subscriber?: Stats } } } };
    const pcs: Stats[] = side === 'host' ? w.tabsfuHost!.peers.allConnections() : [w.tabsfuRoom!.engine.pcManager.publisher, w.tabsfuRoom!.engine.pcManager.subscriber].filter((pc): pc is Stats => !!pc);
    const out: string[][] = [];
    for (const pc of pcs) {
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = stats.get(s.selectedCandidatePairId);
          out.push([stats.get(pair.localCandidateId)?.candidateType, stats.get(pair.remoteCandidateId)?.candidateType]);
        }
      });
    }
    return out;
  }, which);
}

// the first case brings its own coturn, as an operator with a TURN server does; the second lets the server start one
const CASES = [
  { policy: 'all', turn: 'separate', title: 'behind NATs on three networks, the host and two peers call through a TURN server of their own, and every connection is relayed' },
  { policy: 'relay', turn: 'built-in', title: 'with the coturn that --turn starts and a host set to iceTransportPolicy=relay, the host uses only its relay candidates and the call goes on' },
] as const;

for (const { policy, turn: turnKind, title } of CASES) test(title, async () => {
  test.skip(unavailable !== null, `needs a NAT lab: ${unavailable}`);
  let lab: NatLab | null = null;
  const browsers: Browser[] = [];
  // what coturn and the server printed, shown when the test fails
  const logs: Record<string, string> = { turn: '', server: '', host: '' };
  const keep = (name: string) => (c: Buffer) => { logs[name] = (logs[name] + c.toString()).slice(-6000); };
  try {
    lab = createNatLab(3, chromiumPath());
    let iceArgs = ['--turn'];
    if (turnKind === 'separate') {
      const turn = lab.spawnPublic('turnserver', [
        '-n', '--listening-ip', PUBLIC_IP, '--relay-ip', PUBLIC_IP, '--listening-port', '3478', '--use-auth-secret', '--static-auth-secret', SECRET,
        '--realm', 'tabsfu', '--no-tls', '--no-dtls', '--no-cli', '--fingerprint', '--simple-log', '--log-file', 'stdout', '--min-port', '50000', '--max-port', '50200',
      ]);
      turn.stdout!.on('data', keep('turn'));
      turn.stderr!.on('data', keep('turn'));
      await waitForOutput(turn, /Total (General|UDP) servers/i);
      iceArgs = ['--ice-server', `turn:${PUBLIC_IP}:3478?transport=udp`, '--turn-secret', SECRET];
    }
    const server = lab.spawnPublic(process.execPath, [
      path.resolve('dist/node/server/main.js'), '--port', String(PORT), '--bind', PUBLIC_IP, '--public-url', BASE, '--host-key', TEST_HOST_KEY, ...iceArgs,
    ]);
    server.stdout!.on('data', keep('server'));
    server.stderr!.on('data', keep('server'));
    await waitForOutput(server, /listening on/);
    // a page at a plain-http address is not a secure context: let the camera work there, as https would
    const args = [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${BASE}`];
    for (const site of lab.sites) browsers.push(await chromium.launch({ executablePath: site.chromium, args }));
    const [hostBrowser, anaBrowser, benBrowser] = browsers;

    const hostPage = await (await hostBrowser.newContext()).newPage();
    hostPage.on('console', (m) => { logs.host = (logs.host + `${m.type()}: ${m.text().slice(0, 300)}\n`).slice(-6000); });
    await hostPage.goto(hostPageUrl(BASE, policy === 'relay' ? '?iceTransportPolicy=relay' : ''));
    await expect(hostPage.getByTestId('link-status')).toContainText('serving as');
    const room = `turn-${Date.now()}`;
    const ana = await joinPeer(anaBrowser, BASE, room, 'Ana', { color: COLORS.red, tone: 440 });
    const ben = await joinPeer(benBrowser, BASE, room, 'Ben', { color: COLORS.blue, tone: 880 });
    for (const p of [ana, ben]) p.page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`[${p.name}] ${m.text().slice(0, 300)}`); });
    for (const [p, other] of [[ana, ben], [ben, ana]] as const) {
      const seen = await waitToSeeAndHear(p, [other], 30_000);
      expect(seen.ok, `${p.name} saw ${JSON.stringify(seen.colors)} and heard ${JSON.stringify(seen.tones)}`).toBe(true);
    }
    // each connection's selected pair goes through the relay on at least one side
    const relayed = (pairs: string[][]) => pairs.length > 0 && pairs.every((pair) => pair.includes('relay'));
    const host = await selectedPairs(hostPage, 'host');
    // one connection per peer on /rtc/v1 (Chromium's default), two on /rtc
    const connections = (p: typeof ana) => (p.signalPaths?.at(-1) === '/rtc/v1' ? 1 : 2);
    expect(host, 'the host\'s connections').toHaveLength(connections(ana) + connections(ben));
    expect(relayed(host), `host pairs ${JSON.stringify(host)}`).toBe(true);
    // with the relay policy the host's own side of every pair is its relay: nobody sees the host's addresses
    if (policy === 'relay') expect(host.every(([local]) => local === 'relay'), `host pairs ${JSON.stringify(host)}`).toBe(true);
    for (const p of [ana, ben]) {
      const pairs = await selectedPairs(p.page, 'peer');
      expect(relayed(pairs), `${p.name}'s pairs ${JSON.stringify(pairs)}`).toBe(true);
    }
    // the credentials came from the server, minted for the session: name "<expiry>:<session>"
    const given = await ana.page.evaluate(() => (window as unknown as { tabsfuRoom: { engine: { pcManager: { publisher: { _pc: RTCPeerConnection } } } } }).tabsfuRoom.engine.pcManager.publisher._pc.getConfiguration().iceServers);
    expect(given?.find((s) => String(s.urls).includes('turn:'))?.username).toMatch(/^\d+:client-\d+$/);
  } catch (e) {
    console.log(`--- coturn ---\n${logs.turn}\n--- tabsfu server ---\n${logs.server}\n--- host page ---\n${logs.host}`);
    throw e;
  } finally {
    for (const b of browsers) await b.close().catch(() => {});
    lab?.close();
  }
});
