#!/usr/bin/env node
// npm run soak [-- --minutes=30 --peers=4]: sets up and builds as npm start does, then runs bench/soak.ts
// (a 30-minute call with the host tab hidden; not part of npm test).
import { join } from 'node:path';
import { build, buildBench, root } from './build.mjs';
import { run } from './lib/system.mjs';
import { ensureChromium } from './setup.mjs';

try {
  await build();
  buildBench('the soak');
  process.env.CHROMIUM = ensureChromium();
} catch (e) {
  console.error(`soak could not start: ${e.message}`);
  process.exit(1);
}
process.exit(run(process.execPath, [join(root, 'dist', 'node', 'bench', 'soak.js'), ...process.argv.slice(2)], { cwd: root }));
