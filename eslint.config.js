// `npm run lint`: neostandard (as fastify uses: lint and formatting rules in one; `npm run lint --
// --fix` formats), with the house styles this codebase followed before the linter came.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'node_modules/**', 'load-tests/.tmp/**', '.node-lines/**'] }),
  {
    rules: {
      // No space before a named function's parenthesis: `function encode(value)`.
      '@stylistic/space-before-function-paren': ['error', { anonymous: 'always', named: 'never', asyncArrow: 'always' }],
      // `void promise` marks a promise deliberately left running (its rejection handled inside).
      'no-void': 'off',
      // `x !== x` is the NaN test the hot paths use on purpose (one compare, no call).
      'no-self-compare': 'off'
    }
  },
  {
    // 120 columns in the library sources (issue 15); message strings and templates may run on,
    // so that an error text stays greppable as one line.
    files: ['src/**/*.ts', 'plugin/**/*.ts', 'client/**/*.ts', 'cli/**/*.ts', 'support/**/*.ts'],
    rules: {
      '@stylistic/max-len': ['error', {
        code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true
      }]
    }
  },
  {
    // The generated readers and writers (PERFORMANCE-NOTES "Objects", issue 12) and option checks: `new Function`
    // on purpose, with every name passed through JSON.stringify, and a fallback where it is forbidden.
    files: [
      'src/options.ts', 'src/shapes.ts', 'src/table.ts', 'src/table-extract.ts', 'src/writer-shapes.ts',
      'plugin/schema-writer.ts'
    ],
    rules: { 'no-new-func': 'off' }
  }
]
