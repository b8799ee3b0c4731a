// Start-up checks of `npm run start:dev`: PostgreSQL and Redis must answer (a TCP connect and
// a protocol-level ping: `SELECT 1`, `PING`) before anything is built. When one does not, the
// developer gets one line: which one, at which address, and the command that starts it.
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';

/** A local service answers a ping in milliseconds; 3 s means it is not there. */
const PING_TIMEOUT_MS = 3000;

function debianPostgresVersion() {
  if (!existsSync('/etc/postgresql')) return '<version>';
  return readdirSync('/etc/postgresql').sort().at(-1) ?? '<version>';
}

function startHint(service) {
  if (service === 'PostgreSQL') {
    return (
      `sudo pg_ctlcluster ${debianPostgresVersion()} main start (Debian) | brew services start postgresql@16 (macOS) | ` +
      'docker compose --profile postgres up -d postgres redis'
    );
  }
  return 'sudo service redis-server start (Debian) | brew services start redis (macOS) | docker compose up -d redis';
}

function reasonOf(error) {
  return error?.code ?? error?.message?.split('\n')[0] ?? 'no answer';
}

/** `SELECT 1` on the maintenance database of DATABASE_URL's server. */
export async function pingPostgres(databaseUrl) {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: PING_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** RESP `PING` (after `AUTH` when the URL has a password); resolves on `+PONG`. */
export function pingRedis(redisUrl) {
  const url = new URL(redisUrl);
  const commands = [];
  if (url.password) {
    const args = url.username
      ? ['AUTH', decodeURIComponent(url.username), decodeURIComponent(url.password)]
      : ['AUTH', decodeURIComponent(url.password)];
    commands.push(args);
  }
  commands.push(['PING']);
  const wire = commands
    .map((args) => `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) });
    socket.setTimeout(PING_TIMEOUT_MS, () => {
      reject(Object.assign(new Error('timeout'), { code: `no answer within ${PING_TIMEOUT_MS / 1000} s` }));
      socket.destroy();
    });
    let reply = '';
    socket.on('connect', () => socket.write(wire));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('+PONG')) {
        socket.end();
        resolve();
      } else if (reply.startsWith('-') || reply.includes('\r\n-')) {
        socket.destroy(Object.assign(new Error(reply.trim().split('\r\n').at(-1)), { code: 'refused' }));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(Object.assign(new Error('closed without PONG'), { code: 'no PONG' })));
  });
}

/** Pings both; returns one line per service that did not answer (empty when both are up). */
export async function checkServices({ databaseUrl, redisUrl }) {
  const checks = [
    ['PostgreSQL', new URL(databaseUrl).host || '127.0.0.1:5432', () => pingPostgres(databaseUrl)],
    ['Redis', new URL(redisUrl).host || '127.0.0.1:6379', () => pingRedis(redisUrl)],
  ];
  const failures = await Promise.all(
    checks.map(async ([service, address, ping]) => {
      try {
        await ping();
        return undefined;
      } catch (error) {
        return `dev: ${service} does not answer at ${address} (${reasonOf(error)}); start it with: ${startHint(service)}`;
      }
    }),
  );
  return failures.filter(Boolean);
}
