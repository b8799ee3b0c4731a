import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * `@wallet/<name>[/<subpath>]` → the source file that export is compiled from (the
 * package.json export `./dist/x.js` comes from `src/x.ts`), so a cycle through a workspace
 * package's name is followed into its sources instead of stopping at its built `dist/`.
 */
function workspaceSources() {
  const sources = new Map();
  for (const top of ['packages', 'apps']) {
    for (const dir of readdirSync(top)) {
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(join(top, dir, 'package.json'), 'utf8'));
      } catch {
        continue;
      }
      const exports = typeof manifest.exports === 'string' ? { '.': manifest.exports } : (manifest.exports ?? {});
      for (const [subpath, target] of Object.entries(exports)) {
        const built = typeof target === 'string' ? target : target.default;
        const source = built.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
        sources.set(join(manifest.name, subpath), resolve(top, dir, source));
      }
    }
  }
  return sources;
}

const WORKSPACE_SOURCES = workspaceSources();

/** import-x resolver (interface v3): workspace names to their sources, everything else to TypeScript's rules. */
const workspaceResolver = {
  interfaceVersion: 3,
  name: 'wallet-workspaces',
  resolve(modulePath) {
    const path = WORKSPACE_SOURCES.get(modulePath);
    return path ? { found: true, path } : { found: false };
  },
};

export default tseslint.config(
  {
    ignores: [
      'packages/client/src/openapi-types.ts',
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      '.tap/**',
      'test-artifacts/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        document: 'readonly',
        window: 'readonly',
        sessionStorage: 'readonly',
        crypto: 'readonly',
        performance: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  {
    // Import cycles (STYLE.md §12), checked by import-x/no-cycle over relative imports and
    // workspace package names alike; `import type` is ignored (no runtime edge).
    files: ['apps/*/src/**/*.ts', 'apps/api/console/src/**/*.ts', 'packages/*/src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Workspace packages are ours: followed, not skipped as external.
      'import-x/internal-regex': '^@wallet/',
      'import-x/resolver-next': [workspaceResolver, createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Limits held by the tool, not by review (TigerStyle): production code only; tests and
    // the contract suite's case lists are exempt.
    files: ['apps/*/src/**/*.ts', 'apps/api/console/src/**/*.ts', 'packages/*/src/**/*.ts', 'scripts/**/*.mjs'],
    ignores: ['packages/ledger/src/contract/**'],
    rules: {
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
      'max-lines-per-function': ['error', { max: 70, skipBlankLines: true, skipComments: true }],
    },
  },
);
