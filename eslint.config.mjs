// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layers point one way: scripts/ → tooling/ → local/sandbox (its index) → local/runtime (its index) → actions/;
 * scripts/ and tooling/ → account/ (its index), which imports nothing outside itself.
 * Each folder lists the imports it must never make; a cycle between top-level folders needs one of them.
 */
// A sandbox or runtime module other than the folder's index.ts.
const INTERNALS = '^(\\.\\./)+local/(sandbox|runtime)/.+';
// An account service module other than its index.ts.
const ACCOUNT_INTERNALS = '^(\\.\\./)+account/.+';
const outside = (...folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
const layer = (files, ...patterns) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: patterns.map(([regex, message]) => ({ regex, message })) }],
  },
});

export default tseslint.config(
  { ignores: ['dist/', '.sandbox/', 'node_modules/', 'coverage/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Auth0 requires async Action handlers, and Fastify routes return promises: async without await is the contract there.
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    // Tests assert on parsed JSON answers (any): the checks that guard the code's boundaries would only add casts there.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  layer(
    ['actions/**'],
    [
      outside('local', 'tooling', 'scripts', 'test', 'tenant', 'account'),
      'Actions are bundled alone: they import nothing outside actions/.',
    ],
  ),
  layer(
    ['local/runtime/**'],
    [
      outside('sandbox', 'tooling', 'scripts', 'test', 'account'),
      'The runtime sits below the sandbox and the tooling.',
    ],
  ),
  layer(
    ['local/sandbox/**'],
    [
      outside('tooling', 'scripts', 'test', 'account'),
      'The sandbox never imports tooling/, scripts/, test/ or the account service.',
    ],
  ),
  layer(
    ['tooling/**'],
    [outside('scripts', 'test'), 'tooling/ never imports scripts/ or test/.'],
    [INTERNALS, 'Reach the sandbox and the runtime through their public entry (local/sandbox, local/runtime).'],
    [ACCOUNT_INTERNALS, 'Reach the account service through its public entry (account/index.ts).'],
  ),
  layer(
    ['scripts/**'],
    [outside('test'), 'Scripts never import test/.'],
    [INTERNALS, 'Reach the sandbox and the runtime through their public entry (local/sandbox, local/runtime).'],
    [ACCOUNT_INTERNALS, 'Reach the account service through its public entry (account/index.ts).'],
  ),
  layer(
    ['account/**'],
    [
      outside('actions', 'local', 'tooling', 'scripts', 'test', 'tenant'),
      'The account service is deployed alone: it imports nothing outside account/.',
    ],
  ),
);
