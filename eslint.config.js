// ESLint flat config: `npx eslint .` (test group `lint`). The recommended rules plus a few
// that catch real mistakes; formatting is not linted.
import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    // Generated (wasm-bindgen glue, cargo/npm output) or not ours.
    ignores: ['**/node_modules/', '**/target/', 'js/wasm/', 'www/wasm/', 'fuzz/', 'bench/results/', 'examples/workerd/dist/',
      // Deno's entry points use a source-phase import (`import source wasm from …`), which the
      // parser does not read yet; `deno check` in the runtimes group checks them instead.
      'js/index-deno.js', 'js/wasm-deno.js'],
  },
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      // The package and tests run in Node; the inspector page in browsers (www/, and
      // the functions tests/www/ evaluate inside the page).
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none', varsIgnorePattern: '^_' }],
      'no-shadow-restricted-names': 'error',
      'no-var': 'error',
      // ignoreReadBeforeAssign: a `let` that closures read before its one assignment stays `let`.
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-implicit-globals': 'error',
    },
  },
  // bench/package.json makes bench/**/*.js CommonJS.
  { files: ['**/*.cjs', 'bench/**/*.js'], languageOptions: { sourceType: 'commonjs' } },
  { files: ['www/**/*.js', 'js/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['tests/www/**/*.js', 'tests/js/browser.test.js', 'tests/runtimes/browser.test.js'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  // The runtime examples run under Deno and Bun, whose globals Node does not have.
  { files: ['examples/**/*.js'], languageOptions: { globals: { ...globals.browser, Deno: 'readonly', Bun: 'readonly' } } },
];
