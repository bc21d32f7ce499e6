// ESLint (flat config): the import boundaries between the places code runs (README "Layout").
// Style is left to the compiler and review; these rules guard the architecture.
import tseslint from 'typescript-eslint';

const APP = ['background', 'adapters', 'overlay', 'messaging', 'ui', 'cli'];

export default tseslint.config(
  { ignores: ['.output/**', '.tmp/**', '.wxt/**', 'dist/**', 'node_modules/**', 'test/stacks/thelounge/**', 'test-results/**'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  {
    // The engine is pure: no browser, extension framework, UI or app module.
    files: ['src/otr/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['webextension-polyfill', 'wxt', 'wxt/*', '#imports', 'preact', 'preact/*'], message: 'src/otr runs anywhere: no browser or UI module.' },
            { group: APP.map((d) => `../${d}/*`).concat(APP.map((d) => `../${d}`)), message: 'src/otr imports no app module.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'chrome', 'browser', 'localStorage', 'indexedDB'],
    },
  },
  {
    // The background never runs page code: nothing from the content script's folders, except
    // the adapters' DOM-free site records (the one site table, src/adapters/sites/records.ts).
    files: ['src/background/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(adapters|overlay)(/(?!sites/records$).*)?$',
              message: 'src/background imports nothing from src/adapters or src/overlay (only src/adapters/sites/records).',
            },
          ],
        },
      ],
    },
  },
  {
    // What the background may read of the adapters is data: it imports nothing and touches no DOM.
    files: ['src/adapters/sites/records.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '.*', message: 'The site records are plain data: no imports.' }] }],
      'no-restricted-globals': ['error', 'window', 'document', 'chrome', 'browser', 'HTMLElement', 'Element', 'Node'],
    },
  },
);
