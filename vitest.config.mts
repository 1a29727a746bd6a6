import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests run the compiled bundles, as Auth0 does: build them once per run.
    globalSetup: ['test/setup/build-bundles.ts'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
  },
});
