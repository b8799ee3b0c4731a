// Goal: the README's "Calling it from TypeScript" block works as written against the real
// API (seed 004's flows: credit, replay, overdraw, race, history pages; a hold captured in part
// and a refund of the capture), twice in a row.
// Method: extract the block, run it as an ES module next to the package (so `@wallet/client`
// resolves as it does for a user) with TOKEN and WALLET_API pointing at the real app
// listening on a port, and check what it printed.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from '../../../apps/api/test/helper.js';

const repoRoot = join(import.meta.dirname, '../../..');

function readmeExample(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Calling it from TypeScript'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README: no ts block under "Calling it from TypeScript"');
  return block;
}

async function runExample(code: string): Promise<string[]> {
  const file = join(repoRoot, 'packages/client', `.readme-example-${randomUUID()}.mjs`);
  writeFileSync(file, code);
  const printed: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => printed.push(parts.map(String).join(' '));
  try {
    await import(pathToFileURL(file).href);
  } finally {
    console.log = log;
    rmSync(file, { force: true });
  }
  return printed;
}

t.test('the README client example runs against the real API', async (t) => {
  const api = await build(t);
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  process.env.WALLET_API = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
  process.env.TOKEN = api.token('alice');
  t.teardown(() => {
    delete process.env.WALLET_API;
    delete process.env.TOKEN;
  });
  const code = readmeExample();
  for (const run of [1, 2]) {
    const printed = await runExample(code);
    t.match(printed[0], /^credited 1000 balance \d+$/, `run ${run}: credit`);
    t.equal(printed[1], 'same transaction: true', `run ${run}: replay`);
    t.equal(printed[2], 'captured 200 of 300 captured', `run ${run}: hold, then a partial capture`);
    t.equal(printed[3], 'refunded 50 of 200', `run ${run}: refund`);
    t.match(printed[4], /^refused: 409 insufficient_funds false \S+$/, `run ${run}: overdraw`);
    t.equal(printed[5], 'debits succeeded: 3', `run ${run}: race`);
    t.equal(printed[6], 'ledger sum equals balance: true', `run ${run}: history pages`);
    t.equal(printed.length, 7, `run ${run}: nothing else`);
  }
});
