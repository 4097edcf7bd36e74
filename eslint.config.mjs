import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'results/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/**'], message: 'libs must not import apps' }] },
      ],
    },
  },
  {
    // Cores stay free of I/O frameworks: those belong to adapters (transport, ledger) and apps.
    files: [
      'libs/domain/**',
      'libs/twopc/**',
      'libs/switch/**',
      'libs/bank/**',
      'libs/clearing/**',
      'libs/psp/**',
      'libs/scheduling/**',
      'libs/raft/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['@nestjs/common', '@nestjs/core', 'kafkajs', 'ioredis'],
          patterns: [{ group: ['**/apps/**'], message: 'libs must not import apps' }],
        },
      ],
    },
  },
);
