// typescript-eslint's recommended type-checked rules over every TypeScript file the project owns
// (the test tsconfig covers src, test, bench and scripts); formatting is Prettier's job
// (.prettierrc.json), so no stylistic rules here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'validators/',
      '.bench-tmp/',
      'test/fixtures/',
      'test/guard/fixtures/',
      'examples/**/.demo/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // tsc's noUnusedParameters already checks parameters and takes a leading `_` as "unused on purpose" (one a
      // signature requires, e.g. a reporter's context); a key named only to leave it out of a rest copy is not unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // node:test's test(), describe() and it() return promises the runner itself awaits; this is
      // the configuration typescript-eslint documents for them.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
    },
  },
  {
    // Test doubles implement the promise-returning interfaces (stores, verifiers, buses, SASL lookups) with `async`
    // methods that answer at once: `async` turns their throws into rejections, as the real implementations behave.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
