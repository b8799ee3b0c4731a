// The first step of `npm run build` and `npm run typecheck`: writes the client's types,
// packages/client/src/openapi-types.ts, from the committed docs/openapi.json. The file is
// generated, never committed (it repeats each operation's shape at length); `npm run openapi`
// rewrites the document itself from the route schemas. Needs no database, only the document.
import { readFileSync } from 'node:fs';
import { DOCUMENT_PATH, TYPES_PATH, writeTypes } from './openapi-document.mjs';

if (await writeTypes(readFileSync(DOCUMENT_PATH, 'utf8'))) console.log(`openapi-types: wrote ${TYPES_PATH}`);
