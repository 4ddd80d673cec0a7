import { defineConfig } from 'vitest/config';

/**
 * A backstop for a test that hangs, not a speed check: ten minutes is far beyond what any test needs even on a
 * busy two-core machine, and still ends a wedged run long before CI's limit. Speed is measured by npm run bench.
 */
const HANG_BACKSTOP_MS = 10 * 60_000;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: HANG_BACKSTOP_MS,
    hookTimeout: HANG_BACKSTOP_MS,
    // Integration tests start real processes (etcd, openssl, cloud-init); two cores, so keep it modest.
    maxWorkers: 2,
  },
});
