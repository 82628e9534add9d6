import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'migrations/**', 'openapi/**', 'bench/results/**'] }),
  {
    rules: {
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      // A Zod schema and its inferred type share a name (STYLE.md); TypeScript keeps them apart.
      '@typescript-eslint/no-redeclare': 'off',
    },
  },
]
