import js from '@eslint/js';
import pluginQuery from '@tanstack/eslint-plugin-query';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const FEATURES = ['registration', 'lookup', 'validation', 'access', 'audit', 'accounts', 'bulk'];
/** Allowed exceptions: a 1:1 validation takes its picture exactly as a registration does (picture field, checks, confirmation). */
const FEATURE_DEPENDENCIES = { validation: ['registration'] };
const NO_SERVER = { regex: '/server/', message: 'The SPA talks to the server over HTTP only.' };

export default tseslint.config(
  { ignores: ['dist', 'dist-server', 'node_modules', 'playwright-report', 'test-results', 'data', 'tmp'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: false }],
      // `onClick={() => setOpen(true)}` is idiomatic React; the rule still catches void in other places.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat['recommended-latest'],
  },
  // Features do not import each other; shared code does not import features; the SPA never
  // imports the server (HOUSE-STYLE.md, layout). Each block repeats the patterns of the blocks
  // before it: ESLint takes a rule's options from the last block that matches a file.
  {
    files: ['src/**'],
    ignores: ['src/test/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NO_SERVER] }] },
  },
  ...FEATURES.map((feature) => ({
    files: [`src/features/${feature}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            NO_SERVER,
            {
              regex: `(^|/)(${FEATURES.filter((f) => f !== feature && !(FEATURE_DEPENDENCIES[feature] ?? []).includes(f)).join('|')})/`,
              message: 'Features do not import each other.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['src/api/**', 'src/components/**', 'src/lib/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [NO_SERVER, { regex: 'features/', message: 'Shared code does not import features.' }] },
      ],
    },
  },
  ...pluginQuery.configs['flat/recommended'],
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
