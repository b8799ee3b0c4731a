// A database that dies mid-storm (DESIGN.md §4.3, §4.7): the test starts a PRIVATE PostgreSQL cluster (initdb + pg_ctl
// on its own port and data directory, never the shared one), runs a storm of credits each retried with the same
// Idempotency-Key until it gets a final answer, SIGKILLs the postmaster and its children in the middle and restarts
// it. Every acknowledged credit is present exactly once, the API answers 503 (never 500) while the database is down,
// and readiness comes back by itself without restarting the API.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import t from 'tap';
import { build, freePort } from './helper.js';

/** The newest installed PostgreSQL's bin directory (Debian layout), or null. */
function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

const bin = postgresBin();
const asRoot = userInfo().uid === 0;

/** Runs a PostgreSQL tool as the postgres user (initdb and pg_ctl refuse root). */
function pgTool(tool: string, args: string[]): void {
  const command = asRoot ? 'runuser' : join(bin!, tool);
  const argv = asRoot ? ['-u', 'postgres', '--', join(bin!, tool), ...args] : args;
  const result = spawnSync(command, argv, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`${tool} failed (${result.status}): ${result.stderr || result.stdout}`);
}

class PrivateCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'wallet-pg-'));
  readonly data = join(this.root, 'data');
  port = 0;

  async init(): Promise<void> {
    this.port = await freePort();
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(this.root, uid, gid);
    }
    pgTool('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  }

  start(): void {
    const options = `-p ${this.port} -k ${this.root} -c listen_addresses=127.0.0.1 -c max_connections=50`;
    pgTool('pg_ctl', ['-D', this.data, '-o', options, '-l', join(this.root, 'log'), '-w', '-t', '60', 'start']);
  }

  /** SIGKILL to the postmaster and every child it has: a crash, not a shutdown. */
  kill(): void {
    const pid = Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0);
    for (const target of [pid, ...children]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // Wait until the postmaster is really gone before anyone restarts it.
    for (let i = 0; i < 100 && alive(pid); i++) spawnSync('sleep', ['0.05']);
  }

  stop(): void {
    if (existsSync(join(this.data, 'postmaster.pid'))) {
      try {
        pgTool('pg_ctl', ['-D', this.data, '-m', 'immediate', 'stop']);
      } catch {
        this.kill();
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test(
  'SIGKILL of a private PostgreSQL mid-storm: every acknowledged credit exactly once, 503 while down, ready again',
  { skip: bin ? false : 'initdb is not installed (no /usr/lib/postgresql/*/bin/initdb)', timeout: 120_000 },
  async (t) => {
    const cluster = new PrivateCluster();
    t.teardown(() => cluster.stop());
    await cluster.init();
    cluster.start();

    const schema = `t_${randomUUID().replaceAll('-', '')}`;
    const env = {
      DATABASE_URL: cluster.url,
      RATE_LIMIT_MAX: '100000',
      RATE_LIMIT_WRITE_MAX: '100000',
      DB_STATEMENT_TIMEOUT_MS: '3000',
    };
    // `schema` given: the helper does not try to drop it on the shared cluster; the whole private cluster goes.
    const { app, auth, wallet } = await build(t, { env, schema });
    const id = await wallet('alice');

    const statuses = new Map<number, number>();
    let acknowledged = 0;
    let down = false;
    const seenWhileDown = new Set<number>();
    const acked: Array<{ key: string; amount: number; body: string }> = [];
    const creditUntilFinal = async (index: number) => {
      const key = `storm-${index}`;
      const amount = 100 + index;
      const headers = auth('alice', { 'idempotency-key': key });
      for (let attempt = 0; attempt < 400; attempt++) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/wallets/credit',
          headers,
          payload: { walletId: id, amount },
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (down) seenWhileDown.add(res.statusCode);
        if (res.statusCode === 200) {
          acknowledged++;
          acked.push({ key, amount, body: res.body });
          return;
        }
        if (res.statusCode !== 503 && res.statusCode !== 409) {
          throw new Error(`credit ${key}: unexpected ${res.statusCode} ${res.body}`);
        }
        await sleep(50 + Math.floor(Math.random() * 50));
      }
      throw new Error(`credit ${key}: no final answer`);
    };

    const storm = Promise.all(Array.from({ length: 40 }, (_, i) => sleep(i * 15).then(() => creditUntilFinal(i))));
    while (acknowledged < 8) await sleep(5);
    const ackedBeforeKill = acknowledged;
    cluster.kill();
    down = true;
    await sleep(300);
    const readyDown = await app.inject({ url: '/health/ready' });
    t.equal(readyDown.statusCode, 503, 'readiness is down with the database');
    t.equal(readyDown.json().checks.database, 'down');
    await sleep(1200);
    down = false;
    t.ok(acknowledged < 40, `the storm was still running when the database died (${ackedBeforeKill} acknowledged)`);
    cluster.start(); // crash recovery, same data directory and port

    const deadline = Date.now() + 20_000;
    while ((await app.inject({ url: '/health/ready' })).statusCode !== 200 && Date.now() < deadline) await sleep(100);
    t.equal((await app.inject({ url: '/health/ready' })).statusCode, 200, 'readiness back without restarting the API');
    await storm;

    t.ok(seenWhileDown.has(503), `503 while down (seen: ${[...seenWhileDown].join(',')})`);
    t.notOk(
      [...statuses.keys()].some((status) => status >= 500 && status !== 503),
      `never a 500 (${JSON.stringify([...statuses])})`,
    );
    t.equal(acked.length, 40, 'every credit got a final 200');

    // The database is the judge: one entry per key, the balance is the sum of the acknowledged amounts and of entries.
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    t.teardown(() => client.end());
    const entries = await client.query<{ id: string; amount: string }>(
      `SELECT id, amount FROM "${schema}".ledger_entries WHERE wallet_id = $1`,
      [id],
    );
    const expected = acked.reduce((sum, credit) => sum + credit.amount, 0);
    t.equal(entries.rowCount, 40, 'exactly one ledger entry per acknowledged credit');
    t.equal(
      entries.rows.reduce((sum, row) => sum + Number(row.amount), 0),
      expected,
      'sum of entries = sum of acknowledged amounts',
    );
    const ids = acked.map(
      (credit) => (JSON.parse(credit.body) as { data: { transactionId: string } }).data.transactionId,
    );
    t.same(new Set(ids), new Set(entries.rows.map((row) => row.id)), 'each key answered with its own single entry');
    const balance = await app.inject({ url: `/api/wallets/${id}`, headers: auth('alice') });
    t.equal(balance.json().data.balance, expected, 'balance = sum of acknowledged amounts');

    // A retry of any key after the storm is a replay of its acknowledged body, not a second credit.
    const replay = await app.inject({
      method: 'POST',
      url: '/api/wallets/credit',
      headers: auth('alice', { 'idempotency-key': acked[0]!.key }),
      payload: { walletId: id, amount: acked[0]!.amount },
    });
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.equal(replay.body, acked[0]!.body, 'byte-identical replay');
  },
);
