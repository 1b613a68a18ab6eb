// A tabsfu server of a test's own, on another port than the shared one, for flags the shared server lacks.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_HOST_KEY } from './host-key';

export interface OwnServer {
  base: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** The shared server's port plus `offset`, so that parallel specs never meet. */
export async function startOwnServer(offset: number, flags: string[]): Promise<OwnServer> {
  const port = Number(process.env.TABSFU_TEST_PORT ?? 7891) + offset;
  const child = spawn(process.execPath, [path.resolve('dist/node/server/main.js'), '--port', String(port), '--public-url', `http://localhost:${port}`, '--host-key', TEST_HOST_KEY, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const deadline = Date.now() + 15_000;
  while (!output.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`tabsfu did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base: `http://localhost:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
