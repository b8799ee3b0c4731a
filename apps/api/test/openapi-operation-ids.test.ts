// Goal: every operation the API documents has a stable, unique operationId (generators name
// their methods after it) from the one table in plugins/external/swagger.ts, and documents
// its 4xx problems with registered codes.
// Method: build the real app, read the document it serves at /openapi.json, and walk it.
import t from 'tap';
import { ERRORS } from '@wallet/ledger';
import { OPERATION_IDS } from '../src/plugins/external/swagger.js';
import { build } from './helper.js';

interface Operation {
  operationId?: string;
  responses?: Record<string, { description?: string }>;
}

t.test('every documented operation has a unique operationId from the table', async (t) => {
  const { app } = await build(t);
  const document = (await app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  const seen = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const route = `${method.toUpperCase()} ${path}`;
      t.ok(operation.operationId, `${route} has an operationId`);
      t.equal(operation.operationId, OPERATION_IDS[route], `${route}: the id comes from the table`);
      t.notOk(seen.has(operation.operationId!), `${operation.operationId} is unique`);
      seen.set(operation.operationId!, route);
    }
  }
  t.ok(seen.size >= 18, `${seen.size} operations`);
  t.equal(new Set(Object.values(OPERATION_IDS)).size, Object.keys(OPERATION_IDS).length, 'no id twice in the table');
  for (const route of Object.keys(OPERATION_IDS)) {
    t.ok([...seen.values()].includes(route), `table entry ${route} names a documented route`);
  }
});

t.test('every /api operation documents its 4xx problems with registered codes', async (t) => {
  const { app } = await build(t);
  const document = (await app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const [method, operation] of Object.entries(item)) {
      const problems = Object.entries(operation.responses ?? {}).filter(([status]) => /^4\d\d$/.test(status));
      t.ok(
        problems.some(([status]) => status === '401'),
        `${method} ${path} documents 401`,
      );
      for (const [status, response] of problems) {
        const codes = (response.description ?? '').split(', ');
        for (const code of codes) {
          t.equal(ERRORS[code as keyof typeof ERRORS]?.status, Number(status), `${method} ${path} ${status}: ${code}`);
        }
      }
    }
  }
});
