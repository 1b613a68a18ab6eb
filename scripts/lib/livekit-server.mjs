// LiveKit's own server, installed like any Go tool: `go install` of a pinned release into .tabsfu/go-bin (built
// once, a few minutes on two cores), for the benchmark's LiveKit column, the differential check and the cluster
// test. Nothing of LiveKit's is copied into this repository.
//
// Why v1.13.5: it is the newest release `go install …@version` accepts. From v1.13.6 on, livekit-server's go.mod
// replaces pion/webrtc, pion/dtls and pion/ice with LiveKit's forks, and `go install` refuses a module whose go.mod
// has replace directives (it must build the same as when it is the main module); the fork v1.13.11 names
// (github.com/livekit/dtls/v3 v3.1.5-warp.3) is also not served by the Go module proxy (403).
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { run, which } from './system.mjs';

export const LIVEKIT_SERVER_VERSION = 'v1.13.5';
const MODULE = 'github.com/livekit/livekit-server';

export class LivekitServerUnavailable extends Error {
  name = 'LivekitServerUnavailable';
}

/** Where the project keeps the Go tools it builds. */
export function goBin(root) {
  return join(root, '.tabsfu', 'go-bin');
}

/** The livekit-server binary at the pinned release: LIVEKIT_SERVER if set, else built with `go install` when missing. */
export function ensureLivekitServer(root, log = (m) => console.log(`[setup] ${m}`)) {
  if (process.env.LIVEKIT_SERVER) {
    if (!existsSync(process.env.LIVEKIT_SERVER)) throw new LivekitServerUnavailable(`LIVEKIT_SERVER=${process.env.LIVEKIT_SERVER} does not exist`);
    return process.env.LIVEKIT_SERVER;
  }
  const bin = goBin(root);
  const binary = join(bin, 'livekit-server');
  if (existsSync(binary) && versionOf(binary) === LIVEKIT_SERVER_VERSION.slice(1)) return binary;
  if (!which('go')) throw new LivekitServerUnavailable('Go is needed to build livekit-server (go install) and was not found; install Go 1.26 or set LIVEKIT_SERVER=/path/to/livekit-server');
  log(`building livekit-server ${LIVEKIT_SERVER_VERSION} with go install (about 4 minutes on 2 cores, once)`);
  const status = run('go', ['install', `${MODULE}/cmd/server@${LIVEKIT_SERVER_VERSION}`], { env: { ...process.env, GOBIN: bin, GOFLAGS: '-modcacherw' } });
  // go install names the binary after the package's folder, cmd/server
  const built = join(bin, 'server');
  if (status !== 0 || !existsSync(built)) throw new LivekitServerUnavailable(`go install ${MODULE}/cmd/server@${LIVEKIT_SERVER_VERSION} failed (exit ${status})`);
  renameSync(built, binary);
  return binary;
}

/** What `livekit-server --version` says its version is ("livekit-server version 1.13.5"), or null. */
function versionOf(binary) {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(r.stdout ?? '')?.[1] ?? null;
}
