import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['tmp/**', 'dist/**', 'migrations/**', 'openapi/**', 'bench/results/**'] }),
  {
    rules: {
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      // A Zod schema and its inferred type share a name (STYLE.md); TypeScript keeps them apart.
      '@typescript-eslint/no-redeclare': 'off',
    },
  },
  {
    // Typed rules: the compiler alone misses a Promise nobody awaits, or one passed where a plain value
    // or a void callback is expected, and every store method returns one.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test runs what describe/test return; nothing is lost by not awaiting them.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
]
