// `npm run openapi`: writes the document the API serves at /openapi.json to docs/openapi.json
// and the client's generated types to packages/client/src/openapi-types.ts (which `npm run
// build` also writes from the committed document, see openapi-types.mjs). It builds the real
// app (apps/api/dist, so run `npm run build` first) with the documented defaults, never the
// caller's environment, so the output depends on the code alone. The app needs PostgreSQL to
// start: it runs in a throwaway schema that is dropped afterwards (DATABASE_URL, default local).
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { loadConfig } from '@wallet/config';
import { PostgresStore } from '@wallet/store-postgres';
import { buildApp } from '@wallet/api';
import { DOCUMENT_PATH, TYPES_PATH, serializeDocument, writeTypes } from './openapi-document.mjs';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `openapi_${randomUUID().replaceAll('-', '')}`;
const config = loadConfig(
  {
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    // Only signs nothing: the document does not depend on the key, the app refuses to start without one.
    JWT_SECRET: 'openapi-document-generation-only-not-a-real-secret',
  },
  { requireJwt: true },
);

let document;
try {
  const store = new PostgresStore({ connectionString: databaseUrl, schema, poolMax: 2, statementTimeoutMs: 5000 });
  const app = await buildApp({ config, store, redis: { url: config.REDIS_URL, prefix: schema } });
  try {
    await app.ready();
    document = app.swagger();
  } finally {
    await app.close();
  }
} catch (error) {
  console.error(
    `openapi: could not build the API against PostgreSQL at ${new URL(databaseUrl).host}: ${error.message}`,
  );
  process.exitCode = 1;
} finally {
  await dropSchema();
}

if (document) {
  const serialized = serializeDocument(document);
  writeFileSync(DOCUMENT_PATH, serialized);
  await writeTypes(serialized);
  console.log(`openapi: wrote ${DOCUMENT_PATH} and ${TYPES_PATH}`);
}

async function dropSchema() {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch {
    // Nothing was created when the database could not be reached.
  } finally {
    await client.end().catch(() => undefined);
  }
}
