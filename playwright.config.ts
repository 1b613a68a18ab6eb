import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './test/e2e/helpers/chromium';
import { TEST_HOST_KEY } from './test/e2e/helpers/host-key';

/** The port the end-to-end tests run tabsfu on, away from the default 7880 a developer may be using. */
export const TEST_PORT = Number(process.env.TABSFU_TEST_PORT ?? 7891);

// Browser peers are expensive on small machines: one test at a time, with small media.
export default defineConfig({
  testDir: 'test/e2e',
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/e2e.json' }]] : [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    baseURL: `http://localhost:${TEST_PORT}`,
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
  webServer: {
    command: `node dist/node/server/main.js --port ${TEST_PORT} --public-url http://localhost:${TEST_PORT} --host-key ${TEST_HOST_KEY}`,
    url: `http://localhost:${TEST_PORT}/api/info`,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
