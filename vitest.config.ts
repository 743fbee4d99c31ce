import { defineConfig } from 'vitest/config';

// Three projects: unit (no network), integration (a real sshd on 127.0.0.1 started by the suite),
// e2e (the local lab: real Debian hosts in network namespaces, brought up once in globalSetup).
export default defineConfig({
  test: {
    // The default summary, then every skipped test with why (a skip under CI=true fails the run).
    reporters: ['default', './test/support/skip-report.ts'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // The transport's timing test (50 round trips) must not share 2 cores with the CLI-spawning files.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          // One lab shared by all files: run them one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
