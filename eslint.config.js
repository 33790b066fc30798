// The house rules that a linter can check (the README's Architecture section lists them).
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'async_hooks',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];
const IO_LIBRARIES = [
  'kafkajs',
  'pino',
  'express',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@govmesh/infra',
];

const DEEP_IMPORTS = {
  group: ['@govmesh/*/src/*', '@govmesh/*/dist/*'],
  message: 'import a package through its exports, not its insides',
};

/**
 * Apps never import apps: each process in services/ reaches another only over the wire (HTTP,
 * Kafka, Temporal) and shares code only through the libraries in packages/ and contracts/.
 * A test may assemble several services to try one against another, so tests are exempt.
 */
const APPS = ['api', 'worker', 'bridge', 'audit', 'demo', 'cli', 'web'];
const appRules = APPS.map((app) => ({
  files: [`services/${app}/src/**/*.ts`],
  ignores: ['**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          DEEP_IMPORTS,
          ...APPS.filter((other) => other !== app).map((other) => ({
            group: [`@govmesh/${other}`, `@govmesh/${other}/*`],
            message: `services/${app} must not import the ${other} app: talk to it over the wire, or move shared code to packages/`,
          })),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '.vitest/**', '**/bin/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ alwaysTryTypes: true, noWarnOnMultipleProjects: true }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-cycle': 'error',
      // A package is a room with a door: reach another package only through its `exports`.
      'import-x/no-relative-packages': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@govmesh/*/src/*', '@govmesh/*/dist/*'],
              message: 'import a package through its exports, not its insides',
            },
          ],
        },
      ],
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  ...appRules,
  {
    files: [
      '**/*.config.{js,ts}',
      'eslint.config.js',
      'scripts/*.mjs',
      'services/*/scripts/*.mjs',
      'services/web/src/public/*.mjs',
    ],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The npm scripts' helpers are plain Node programs.
    files: ['scripts/*.mjs', 'services/*/scripts/*.mjs'],
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly' } },
  },
  {
    // One owner for where processes listen: two configs that each spelled 17284 broke `npm start`.
    files: ['services/*/src/config.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Literal[value>=17280][value<=17299]',
          message: 'a default port comes from DEFAULT_PORTS in @govmesh/messaging, so no two processes share one',
        },
      ],
    },
  },
  {
    // Workflow code is replayed: it must be deterministic and free of I/O.
    files: ['workflows/src/**/*.ts', '**/*.workflow.ts'],
    // Tests and the harness that drives cases on a real server run outside the workflow sandbox.
    ignores: ['**/*.test.ts', 'workflows/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...NODE_BUILTINS, ...IO_LIBRARIES].map((name) => ({
            name,
            message: 'workflow code must not do I/O: use an activity',
          })),
          patterns: [{ group: ['node:*'], message: 'workflow code must not use Node built-ins: use an activity' }],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'workflow code must not do I/O: use an activity' },
        { name: 'setInterval', message: 'use sleep() or condition() from @temporalio/workflow' },
      ],
    },
  },
);
