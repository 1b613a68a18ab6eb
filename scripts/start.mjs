#!/usr/bin/env node
// npm start [-- flags]: installs what is missing, builds, and runs the server with the given flags.
// --dev serves the pages through Vite (hot reload) instead of the build.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build, root } from './build.mjs';
import { ensureChromium, ensureCoturn } from './setup.mjs';

const args = process.argv.slice(2);
try {
  await build({ pages: !args.includes('--dev') });
  if (args.includes('--headless-host') && !args.some((a) => a.startsWith('--chromium'))) process.env.CHROMIUM = ensureChromium();
  if (args.includes('--turn')) ensureCoturn();
} catch (e) {
  console.error(`tabsfu could not start: ${e.message}`);
  process.exit(1);
}
const server = spawn(process.execPath, [join(root, 'dist', 'node', 'server', 'main.js'), ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
