import { defineConfig } from 'vitest/config';

// Three lanes, all run by `npm test`:
// - `unit` (npm run test:unit, the inner loop): in-process, no deploy-cli, no browser, no real-time waits;
// - `cli` (npm run test:cli): the users CLI end to end against a sandbox, waiting out real
//   Retry-After pauses, Ctrl-C grace periods and signals (`*.cli.test.ts`);
// - `e2e` (npm run test:e2e): real processes against the sandbox: the real deploy-cli, headless
//   Chromium, the account service bundled and run in its own process (its bench), a process
//   killed in the middle of a write.
const CLI = ['test/**/*.cli.test.ts'];
const E2E = ['test/**/*.e2e.test.ts', 'test/**/*.browser.test.ts'];

export default defineConfig({
  test: {
    // Tests run the compiled bundles, as Auth0 does: build them once per run. Test sandboxes share
    // one CA and signing key per run (each still gets a new tenant).
    globalSetup: ['test/setup/build-bundles.ts', 'test/setup/sandbox-keys.ts'],
    // The cli and e2e files spend most of their time waiting (child processes, Chromium, Retry-After):
    // one more worker than the 2 cores keeps both cores busy.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 180_000,
    projects: [
      // Unit files share their workers' module cache (each file starts its own sandbox and stubs
      // nothing global): a third of the lane's CPU was re-importing the same modules per file.
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...CLI, ...E2E], isolate: false },
      },
      { extends: true, test: { name: 'cli', include: CLI, isolate: false } },
      { extends: true, test: { name: 'e2e', include: E2E } },
    ],
  },
});
