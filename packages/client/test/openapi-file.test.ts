// Goal: the committed OpenAPI document (docs/openapi.json) is what the API serves, and the
// client's generated types (src/openapi-types.ts, written by `npm run build`, not committed)
// are what that document generates, so neither other languages' generators nor @wallet/client
// can drift from the route schemas.
// Method: build the real app, fetch /openapi.json, serialize and generate exactly as
// `npm run openapi` does (scripts/openapi-document.mjs), and compare with the files.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from '../../../apps/api/test/helper.js';
import { DOCUMENT_PATH, TYPES_PATH, generateTypes, serializeDocument } from '../../../scripts/openapi-document.mjs';

const repoRoot = join(import.meta.dirname, '../../..');
const STALE = 'stale: run `npm run build && npm run openapi` and commit the result';

t.test('docs/openapi.json is the document the API serves', async (t) => {
  const { app } = await build(t);
  const served = (await app.inject({ url: '/openapi.json' })).json();
  const committed = readFileSync(join(repoRoot, DOCUMENT_PATH), 'utf8');
  t.equal(committed, serializeDocument(served), `${DOCUMENT_PATH} ${STALE}`);
  t.not(serializeDocument({ ...served, info: { ...served.info, version: '0.0.0' } }), committed, 'a change is seen');
});

t.test('the built client types are generated from the committed document', async (t) => {
  const document = readFileSync(join(repoRoot, DOCUMENT_PATH), 'utf8');
  const built = readFileSync(join(repoRoot, TYPES_PATH), 'utf8');
  t.equal(built, await generateTypes(document), `${TYPES_PATH} is stale: run \`npm run build\``);
});
