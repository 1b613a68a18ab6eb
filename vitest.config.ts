import { defineConfig } from 'vitest/config';

// Unit tests only; the end-to-end specs run under Playwright.
export default defineConfig({
  test: { include: ['test/unit/**/*.test.ts'], environment: 'node' },
});
