import { defineConfig } from 'vitest/config';

// Two lanes: `unit` (npm run test:unit, the inner loop: no deploy-cli process, no browser) and
// `e2e` (the real deploy-cli and headless Chromium against the sandbox). `npm test` runs both.
const SLOW = ['test/**/*.e2e.test.ts', 'test/**/*.browser.test.ts'];

export default defineConfig({
  test: {
    // Tests run the compiled bundles, as Auth0 does: build them once per run.
    globalSetup: ['test/setup/build-bundles.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SLOW } },
      { extends: true, test: { name: 'e2e', include: SLOW } },
    ],
  },
});
