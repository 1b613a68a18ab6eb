// LiveKit's own server, the system a LiveKit user would pick instead of tabsfu: a pinned release built with
// `go install` (scripts/lib/livekit-server.mjs), started in dev mode on the benchmark's interface, and joined by the
// same peers with the same livekit-client calls as tabsfu (./livekit-client.ts).
import { startLivekitNode, type LivekitNode } from '../../test/livekit/server.js';
import { joinWithLivekitClient, leaveLivekit } from './livekit-client.js';
import { SystemUnavailable, type BenchContext, type BenchPeer, type Scenario, type System } from './system.js';

const PORT = 7897;

export class LivekitSystem implements System {
  readonly name = 'livekit';
  readonly description: string;
  private node: LivekitNode | null = null;

  constructor(private readonly binary = process.env.LIVEKIT_SERVER, readonly version = process.env.LIVEKIT_SERVER_VERSION ?? '') {
    this.description = `livekit-server ${version} (go install), dev mode, one node; signal on port ${PORT}, ICE over UDP ports 53000-53999`;
  }

  async start(ctx: BenchContext): Promise<void> {
    if (!this.binary) throw new SystemUnavailable('livekit-server is not built (LIVEKIT_SERVER unset): npm run bench builds it with go install, which needs Go');
    this.node = await startLivekitNode({ binary: this.binary, address: ctx.address, port: PORT, tcpPort: PORT + 1, udpPorts: [53000, 53999] });
  }

  async join(peers: BenchPeer[], scenario: Scenario, room: string): Promise<void> {
    await joinWithLivekitClient(this.node!.url, peers, scenario, room);
  }

  async leave(peers: BenchPeer[]): Promise<void> {
    await leaveLivekit(peers);
  }

  sfuPids(): number[] {
    return this.node ? [this.node.pid] : [];
  }

  async stop(): Promise<void> {
    await this.node?.stop();
    this.node = null;
  }
}
