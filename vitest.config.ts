import { defineConfig } from 'vitest/config';

/**
 * One run for the whole repository: unit tests beside the code need no engine; the end-to-end
 * suite in test/ brings up (or reuses) the real Kafka and Temporal in its global setup.
 * `npx vitest run --project unit` runs only the unit tests.
 */
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: '.vitest/results.json' }], './test/src/failure-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{contracts,workflows,infra,packages/*,services/*}/src/**/*.test.ts'],
          // Workflow tests drive cases on the suite's real Temporal server: they run with the engines.
          // A store's PostgreSQL half (*.pg.test.ts) runs on the suite's real server, with the engines.
          exclude: ['**/node_modules/**', '**/*.workflow.test.ts', '**/*.pg.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: [
            'test/src/**/*.test.ts',
            'workflows/src/**/*.workflow.test.ts',
            '{packages,services}/*/src/**/*.pg.test.ts',
          ],
          globalSetup: ['test/src/global-setup.ts'],
          setupFiles: ['test/src/engine-watch.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // The engines are shared: one file at a time keeps the 2-core machines predictable.
          fileParallelism: false,
        },
      },
    ],
  },
});
