// Drives the web console in Debian's Chromium (playwright-core) against the real API on
// PostgreSQL and Redis, listening on a real port: sign-in with the dev token button, wallets,
// a credit, refusals, history paging, the holds panel and the three demos, asserting on what
// the page shows and cross-checking balances through the API itself.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { t, type Test } from 'tap';
import { build, TEST_REDIS_URL } from '../helper.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
/** Every page wait is bounded; the whole file stays well under tap's timeout. */
const STEP_TIMEOUT_MS = 10_000;
const SCREENSHOT_PATH = 'test-artifacts/console.png';

if (!existsSync(CHROMIUM_PATH) && !process.env.CI) {
  t.plan(0, `skipped: ${CHROMIUM_PATH} not found (apt-get install -y chromium); under CI=true this fails instead`);
} else {
  t.ok(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is installed (required under CI)`);
  // One parent subtest: the root test would end on its own between awaits at top level.
  if (existsSync(CHROMIUM_PATH)) await t.test('the web console in Chromium against the real API', runConsoleE2e);
}

async function runConsoleE2e(t: Test): Promise<void> {
  const bundle = new URL('../../dist/console/console.js', import.meta.url);
  if (!t.ok(existsSync(bundle), 'the console is built (npm run build bundles it into apps/api/dist/console)')) return;
  // NODE_ENV=development serves the dev token route the sign-in button calls.
  const {
    app,
    prefix,
    wallet: createWalletFor,
  } = await build(t, {
    env: {
      NODE_ENV: 'development',
      // The race demo and the paging set-up send bursts; this test is not about budgets.
      RATE_LIMIT_MAX: '10000',
      RATE_LIMIT_WRITE_MAX: '10000',
    },
  });
  t.teardown(() => deleteKeys(prefix));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  t.teardown(() => browser.close());
  const page = await openConsole(browser, origin);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // Chromium logs every 4xx answer; the refusals below are deliberate, anything else counts.
    const expectedRefusal = /^Failed to load resource: the server responded with a status of 4\d\d/.test(
      message.text(),
    );
    if (message.type() === 'error' && !expectedRefusal) pageErrors.push(message.text());
  });
  const landing = await page.goto(`${origin}/console`);
  t.equal(landing?.url(), `${origin}/console/`, '/console redirects to /console/');
  const landingHeaders = landing?.headers() ?? {};
  t.match(
    landingHeaders['content-security-policy'],
    /^default-src 'none'; script-src 'self'/,
    "the console's own strict CSP wins over the API-wide one",
  );
  t.equal(landingHeaders['x-ratelimit-limit'], undefined, 'the console files are outside the rate limit');

  const openapi = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  t.same(
    Object.keys(openapi.paths).filter((path) => path.startsWith('/console')),
    [],
    'console routes stay out of the API contract',
  );

  const api = apiClient(origin);
  const sub = `e2e-${randomUUID().slice(0, 8)}`;

  await t.test('signs in with the dev token button; the token stays in sessionStorage', async (t) => {
    t.equal(await page.locator('#app').isHidden(), true, 'the console is hidden while signed out');
    await page.locator('#dev-token summary').click();
    await page.fill('#dev-sub', sub);
    await page.click('#dev-mint-button');
    await page.locator('#whoami', { hasText: `Signed in as ${sub}` }).waitFor();
    t.equal(await page.locator('#app').isVisible(), true);
    // Evaluated in the page (as text: the test project has no DOM types).
    const storage = await page.evaluate<{ session: string | null; local: number }>(
      "({ session: sessionStorage.getItem('wallet-console.token'), local: localStorage.length })",
    );
    t.match(storage.session, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    t.equal(storage.local, 0, 'nothing in localStorage');
    api.token = storage.session!;
  });

  await t.test('creates wallets and shows balances in the currency minor unit', async (t) => {
    for (const currency of ['EUR', 'JPY', 'GBP']) {
      await page.fill('#create-currency', currency);
      await page.click('#create-wallet');
      await page.locator('#wallets-message', { hasText: `Created ${currency} wallet` }).waitFor();
    }
    t.same(await page.locator('#wallets-body tr td:first-child').allTextContents(), ['EUR', 'GBP', 'JPY']);
    await page.click('#create-wallet');
    await page.locator('#wallets-message', { hasText: 'wallet_exists' }).waitFor();
    t.match(await page.textContent('#wallets-message'), /Wallet already exists.*\(wallet_exists, 409\)/);
    const wallets = (await api.get('/api/wallets')) as { id: string; currency: string }[];
    t.equal(wallets.length, 3);
  });

  await t.test('credits with a per-intent Idempotency-Key, refuses bad amounts and overdrafts', async (t) => {
    const eur = await walletId(page, 'EUR');
    const jpy = await walletId(page, 'JPY');
    const credit = page.locator('#credit-form');
    const keyBefore = await credit.locator('.key-value').textContent();
    t.match(keyBefore, /^[0-9a-f-]{36}$/);
    await credit.locator('select').selectOption(eur);
    await credit.locator('input[name=amount]').fill('10.50');
    const keyAfterEdit = await credit.locator('.key-value').textContent();
    t.not(keyAfterEdit, keyBefore, 'editing the form starts a new intent');
    await credit.locator('button[type=submit]').click();
    await credit.locator('.message.ok', { hasText: 'Credited 10.50 EUR; balance now 10.50 EUR' }).waitFor();
    t.match(await credit.locator('.message').textContent(), keyAfterEdit!, 'the sent key is shown');
    t.not(await credit.locator('.key-value').textContent(), keyAfterEdit, 'a success draws a new key');
    await page.locator('#wallets-body tr', { hasText: '10.50 EUR' }).waitFor();
    t.equal(await api.balance(eur), 1050);

    await credit.locator('select').selectOption(jpy);
    await submitAmount(credit, '15.5');
    await credit.locator('.message.error', { hasText: 'JPY has 0 decimal places at most' }).waitFor();
    await submitAmount(credit, '1500');
    await credit.locator('.message.ok', { hasText: 'balance now 1,500 JPY' }).waitFor();
    t.equal(await api.balance(jpy), 1500);

    const debit = page.locator('#debit-form');
    await debit.locator('select').selectOption(eur);
    await submitAmount(debit, '1000');
    await debit.locator('.message.error', { hasText: 'insufficient_funds' }).waitFor();
    t.match(
      await debit.locator('.message').textContent(),
      /^Insufficient funds.*\(insufficient_funds, 409\) \[request /,
    );
    t.equal(await api.balance(eur), 1050, 'the refusal moved nothing');
  });

  await t.test('pages history with Newer / Older over more entries than a page', async (t) => {
    const eur = await walletId(page, 'EUR');
    const credit = page.locator('#credit-form');
    await credit.locator('select').selectOption(eur);
    for (let index = 1; index <= 6; index += 1) {
      await submitAmount(credit, `0.0${index}`);
      await credit.locator('.message.ok', { hasText: `Credited 0.0${index} EUR` }).waitFor();
    }
    // 7 credits in all (10.50, then 0.01 … 0.06): pages of 5 → 5 + 2.
    await page.fill('#history-limit', '5');
    await page.selectOption('#history-wallet', eur);
    await page.click('#history-load');
    await page.locator('#history-page', { hasText: 'Page 1 · 5 entries' }).waitFor();
    t.equal(await page.isDisabled('#history-newer'), true, 'no newer page on page 1');
    const firstPage = await page.locator('#history-body tr td:nth-child(3)').allTextContents();
    t.same(firstPage, ['0.06 EUR', '0.05 EUR', '0.04 EUR', '0.03 EUR', '0.02 EUR']);
    await page.click('#history-older');
    await page.locator('#history-page', { hasText: 'Page 2 · 2 entries' }).waitFor();
    t.same(await page.locator('#history-body tr td:nth-child(3)').allTextContents(), ['0.01 EUR', '10.50 EUR']);
    t.same(await page.locator('#history-body tr td:nth-child(4)').allTextContents(), ['10.51 EUR', '10.50 EUR']);
    t.equal(await page.isDisabled('#history-older'), true, 'no older page after the last');
    await page.click('#history-newer');
    await page.locator('#history-page', { hasText: 'Page 1 · 5 entries' }).waitFor();
    t.same(await page.locator('#history-body tr td:nth-child(3)').allTextContents(), firstPage);
  });

  await t.test("transfers to another user's wallet and explains a currency mismatch", async (t) => {
    const eur = await walletId(page, 'EUR');
    const jpy = await walletId(page, 'JPY');
    const payee = await createWalletFor(`payee-${randomUUID().slice(0, 8)}`, 'EUR');
    const transfer = page.locator('#transfer-form');
    await transfer.locator('select').selectOption(eur);
    await transfer.locator('input[name=toWalletId]').fill(payee);
    await submitAmount(transfer, '1');
    await transfer.locator('.message.ok', { hasText: 'Transferred 1.00 EUR; transfer ' }).waitFor();
    await page.locator('#wallets-body tr', { hasText: '9.71 EUR' }).waitFor();
    t.equal(await api.balance(eur), 971);

    await transfer.locator('input[name=toWalletId]').fill(jpy);
    await submitAmount(transfer, '1');
    await transfer.locator('.message.error', { hasText: 'currency_mismatch' }).waitFor();
    t.match(await transfer.locator('.message').textContent(), /^Currency mismatch.*\(currency_mismatch, 422\)/);
  });

  await t.test('retry demo: same key twice, one effect, second answer replayed', async (t) => {
    const eur = await walletId(page, 'EUR');
    const before = await api.balance(eur);
    await page.selectOption('#retry-wallet', eur);
    await page.fill('#retry-amount', '2.00');
    await page.click('#retry-run');
    await page.locator('#retry-message.ok', { hasText: 'applied once, second answer replayed' }).waitFor();
    const lines = await page.locator('#retry-log li').allTextContents();
    t.equal(lines.length, 2);
    t.match(lines[0], /^send 1: 200 fresh · transaction /);
    t.match(lines[1], /^send 2: 200 replayed · transaction /);
    const transactionOf = (line: string | undefined) => /transaction (\S+)/.exec(line ?? '')?.[1];
    t.equal(transactionOf(lines[1]), transactionOf(lines[0]), 'the replay names the same transaction');
    t.match(await page.textContent('#retry-message'), /balance moved by 2\.00 EUR/);
    t.equal(await api.balance(eur), before + 200, 'applied once');
  });

  await t.test('race demo: concurrent debits, one wins, balance equals the ledger sum', async (t) => {
    const gbp = await walletId(page, 'GBP');
    const credit = page.locator('#credit-form');
    await credit.locator('select').selectOption(gbp);
    await submitAmount(credit, '10');
    await credit.locator('.message.ok', { hasText: 'balance now 10.00 GBP' }).waitFor();

    // Hold the debits for a moment (they still reach the real API) to observe the busy state.
    await page.route('**/api/wallets/debit', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    await page.selectOption('#race-wallet', gbp);
    await page.fill('#race-count', '5');
    await page.fill('#race-amount', '8.00');
    await page.click('#race-run');
    t.equal(await page.isDisabled('#race-run'), true, 'the button is disabled while requests are in flight');
    await page.locator('#race-summary.ok').waitFor();
    await page.unroute('**/api/wallets/debit');
    t.equal(await page.isDisabled('#race-run'), false);

    const lines = await page.locator('#race-log li').allTextContents();
    t.equal(lines.length, 5);
    t.equal(lines.filter((line) => /succeeded \(200\), balance after 2\.00 GBP/.test(line)).length, 1);
    t.equal(lines.filter((line) => /refused insufficient_funds \(409\)/.test(line)).length, 4);
    t.equal(
      await page.textContent('#race-summary'),
      '1 succeeded, 4 refused. Final balance 2.00 GBP; ledger sum 2.00 GBP; start minus successes 2.00 GBP: consistent.',
    );
    t.equal(await api.balance(gbp), 200);
  });

  await t.test('holds panel: place, capture a part, void; the list shows status and expiry', async (t) => {
    const gbp = await walletId(page, 'GBP');
    const credit = page.locator('#credit-form');
    await credit.locator('select').selectOption(gbp);
    await credit.locator('input[name=amount]').fill('20');
    await credit.locator('button[type=submit]').click();
    await credit.locator('.message.ok', { hasText: 'balance now 22.00 GBP' }).waitFor();

    await page.selectOption('#hold-wallet', gbp);
    await page.fill('#hold-amount', '5.00');
    await page.fill('#hold-ttl', '600');
    await page.click('#hold-place');
    await page
      .locator('#holds-message.ok', { hasText: 'Held 5.00 GBP; held now 5.00 GBP, available 17.00 GBP.' })
      .waitFor();
    await page.fill('#hold-amount', '25.00');
    await page.click('#hold-place');
    await page.locator('#holds-message.error', { hasText: 'insufficient_funds' }).waitFor();
    await page.fill('#hold-amount', '2.50');
    await page.click('#hold-place');
    await page.locator('#holds-message.ok', { hasText: 'Held 2.50 GBP' }).waitFor();
    await page.locator('#holds-body tr[data-status=active]').nth(1).waitFor();
    const rows = page.locator('#holds-body tr');
    t.same(await rows.locator('td:nth-child(2)').allTextContents(), ['2.50 GBP', '5.00 GBP'], 'newest first');
    t.same(await rows.locator('td:nth-child(4)').allTextContents(), ['active', 'active']);
    const [small, big] = (await api.get(`/api/holds?walletId=${gbp}`)) as { id: string; expiresAt: string }[];
    const expiresInS = (Date.parse(big!.expiresAt) - Date.now()) / 1000;
    t.ok(expiresInS > 590 && expiresInS <= 600, `expires in about 600 s (${expiresInS})`);
    t.equal(await rows.nth(1).locator('td:nth-child(5)').getAttribute('title'), big!.expiresAt, 'expiry shown');

    const bigRow = page.locator(`#holds-body tr[data-hold-id="${big!.id}"]`);
    await bigRow.locator('input.capture-amount').fill('3.00');
    await bigRow.locator('button.capture').click();
    await page
      .locator('#holds-message.ok', { hasText: 'Captured 3.00 GBP, released 2.00 GBP; balance now 19.00 GBP.' })
      .waitFor();
    await page.locator(`#holds-body tr[data-hold-id="${big!.id}"][data-status=captured]`).waitFor();
    t.equal(await page.locator(`#holds-body tr[data-hold-id="${big!.id}"] button`).count(), 0, 'settled: no actions');

    await page.locator(`#holds-body tr[data-hold-id="${small!.id}"] button.void`).click();
    await page.locator('#holds-message.ok', { hasText: 'Voided; 2.50 GBP available again (19.00 GBP).' }).waitFor();
    await page.selectOption('#holds-status', 'voided');
    // The unfiltered list already shows the voided hold: wait for the filtered one to replace it.
    await page.locator('#holds-body tr[data-status=captured]').waitFor({ state: 'detached' });
    await page.locator('#holds-body tr[data-status=voided]').waitFor();
    t.equal(await page.locator('#holds-body tr').count(), 1, 'filtered by status');
    t.match(await api.get(`/api/wallets/${gbp}`), { balance: 1900, heldBalance: 0, availableBalance: 1900 });
    await page.selectOption('#holds-status', '');
  });

  await t.test('capture race demo: one capture wins, the books stay consistent', async (t) => {
    const gbp = await walletId(page, 'GBP');
    await page.selectOption('#capture-race-wallet', gbp);
    await page.fill('#capture-race-count', '6');
    await page.fill('#capture-race-amount', '4.00');
    await page.click('#capture-race-run');
    await page.locator('#capture-race-summary.ok').waitFor();
    const lines = await page.locator('#capture-race-log li').allTextContents();
    t.equal(lines.length, 6);
    t.equal(lines.filter((line) => /succeeded \(200\), captured 4\.00 GBP/.test(line)).length, 1, lines.join(' | '));
    t.equal(lines.filter((line) => /refused hold_not_active \(409\)/.test(line)).length, 5);
    t.equal(
      await page.textContent('#capture-race-summary'),
      '1 captured, 5 refused; hold captured. Balance 19.00 GBP → 15.00 GBP; held 4.00 GBP → 0.00 GBP; ' +
        'ledger sum 15.00 GBP: consistent.',
    );
    t.match(await api.get(`/api/wallets/${gbp}`), { balance: 1500, heldBalance: 0 });
  });

  await t.test('the page looks right and raised no errors (CSP included)', async (t) => {
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
    t.ok(existsSync(SCREENSHOT_PATH));
    t.same(pageErrors, [], 'no page errors, console errors or CSP violations');
  });

  await t.test('signing out hides the console and forgets the token', async (t) => {
    await page.click('#sign-out-button');
    await page.locator('#whoami', { hasText: 'Signed out' }).waitFor();
    t.equal(await page.locator('#app').isHidden(), true);
    t.equal(await page.evaluate<string | null>("sessionStorage.getItem('wallet-console.token')"), null);
  });
}

async function openConsole(browser: Browser, origin: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: origin });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  return page;
}

/** Types `amount` into an intent form and submits it. */
async function submitAmount(form: Locator, amount: string): Promise<void> {
  await form.locator('input[name=amount]').fill(amount);
  await form.locator('button[type=submit]').click();
}

async function walletId(page: Page, currency: string): Promise<string> {
  const id = await page
    .locator('#wallets-body tr', { has: page.locator('td:first-child', { hasText: currency }) })
    .getAttribute('data-wallet-id');
  if (!id) throw new Error(`no ${currency} wallet row`);
  return id;
}

/** Reads through the API with the token the page signed in with, to check the page's claims. */
function apiClient(origin: string) {
  const client = {
    token: '',
    async get(path: string): Promise<unknown> {
      const response = await fetch(`${origin}${path}`, {
        headers: { authorization: `Bearer ${client.token}` },
        signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
      return ((await response.json()) as { data: unknown }).data;
    },
    /** The wallet's balance as the API reports it (minor units). */
    async balance(walletId: string): Promise<number> {
      return ((await client.get(`/api/wallets/${walletId}`)) as { balance: number }).balance;
    },
  };
  return client;
}

/** The helper drops the schema; this removes the Redis keys under the test's own prefix. */
async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    // Bounded: a test run leaves a few hundred keys at most.
    for (let round = 0; round < 1000; round += 1) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}
