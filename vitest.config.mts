import { defineConfig } from 'vitest/config';

// Two lanes: `unit` (npm run test:unit, the inner loop: no deploy-cli process, no browser) and
// `e2e` (the real deploy-cli and headless Chromium against the sandbox). `npm test` runs both.
const SLOW = ['test/**/*.e2e.test.ts', 'test/**/*.browser.test.ts'];

export default defineConfig({
  test: {
    // Tests run the compiled bundles, as Auth0 does: build them once per run.
    globalSetup: ['test/setup/build-bundles.ts'],
    // The e2e files spend most of their time waiting on deploy-cli and Chromium child processes:
    // one more worker than the 2 cores keeps both cores busy.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 180_000,
    projects: [
      // Unit files share their workers' module cache (each file starts its own sandbox and stubs
      // nothing global): a third of the lane's CPU was re-importing the same modules per file.
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SLOW, isolate: false } },
      { extends: true, test: { name: 'e2e', include: SLOW } },
    ],
  },
});
