// The dashboard in a real headless Chromium (Debian's, driven by playwright-core): every
// service is in the table, and the table follows a restart without reloading the page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { hexad, rmrf, serviceDir, tmp, until } from '../helpers.js';
import { svscan, serviceUp } from '../svscan/scan-helpers.js';
import { get } from './http-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const root = tmp('hexad-http-ui-');
after(() => rmrf(root));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('dashboard: the table shows every service and follows a restart, live', { timeout: 180_000, skip: !existsSync(CHROMIUM) && 'no /usr/bin/chromium (.ci/run installs it)' }, async (t) => {
  const sc = join(root, 'scan');
  serviceDir(join(sc, 'web'), { run: 'echo >&3; echo web serving; exec sleep 1000', 'notification-fd': '3', 'log/run': 'exec s6-log t ./main' });
  serviceDir(join(sc, 'worker'), { run: 'echo working; exec sleep 1000' });
  serviceDir(join(sc, 'cron'), { run: 'exec sleep 1000', down: '' });
  serviceDir(join(sc, 'flaky'), { run: 'sleep 2; exit 2' });
  const tokenFile = join(root, 'token');
  writeFileSync(tokenFile, 'ui-token\n');
  const port = await freePort();
  await svscan(t, sc, ['--http', `127.0.0.1:${port}`, '--http-token-file', tokenFile]);
  const target = { host: '127.0.0.1', port };
  await until('server', async () => (await get(target, '/').catch(() => null))?.status === 200);
  await serviceUp(join(sc, 'web'));
  await serviceUp(join(sc, 'worker'));

  // a fresh profile directory each run (playwright passes it as --user-data-dir)
  const browser: BrowserContext = await chromium.launchPersistentContext(join(root, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 720 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('#conn.live');
  const names = await page.$$eval('#services tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.name));
  assert.deepEqual(names, ['cron', 'flaky', 'web', 'web/log', 'worker']);
  const cellText = (name: string, col: string) => page.$eval(`tr[data-name="${name}"] [data-col="${col}"]`, (td) => td.textContent);
  assert.equal(await cellText('web', 'state'), 'up');
  assert.equal(await cellText('cron', 'state'), 'down (wanted down)');
  assert.equal(await cellText('web', 'logger'), 'up');
  await page.waitForFunction(() => document.querySelector('tr[data-name="web"] [data-col="ready"]')?.textContent === 'yes');

  // a restart from outside (svc -r): the pid cell and the restart count change, no reload
  const pid = await cellText('web', 'pid');
  assert.equal(hexad(['svc', '-r', join(sc, 'web')]).code, 0);
  await page.waitForFunction((old) => {
    const tr = document.querySelector('tr[data-name="web"]');
    const p = tr?.querySelector('[data-col="pid"]')?.textContent;
    return p && p !== '-' && p !== old && tr?.querySelector('[data-col="restarts"]')?.textContent === '1';
  }, pid);

  // a restart from the page's own button, with the token
  const wpid = await cellText('worker', 'pid');
  await page.click('tr[data-name="worker"] button[data-action="restart"]');
  await page.waitForFunction(() => document.querySelector('#msg')?.textContent !== '');
  assert.match(await page.$eval('#msg', (e) => e.textContent ?? ''), /token/);
  await page.fill('#token', 'ui-token');
  await page.click('tr[data-name="worker"] button[data-action="restart"]');
  await page.waitForFunction((old) => {
    const p = document.querySelector('tr[data-name="worker"] [data-col="pid"]')?.textContent;
    return p && p !== '-' && p !== old;
  }, wpid);

  // the log panel
  await page.click('tr[data-name="web"] [data-col="name"]');
  await page.waitForFunction(() => /web serving/.test(document.querySelector('#log')?.textContent ?? ''));
  await page.waitForFunction(() => /%$/.test(document.querySelector('tr[data-name="web"] [data-col="cpu"]')?.textContent ?? ''));
  if (process.env.HEXAD_SCREENSHOT) await page.screenshot({ path: process.env.HEXAD_SCREENSHOT, fullPage: true });
  assert.deepEqual(errors, []);
});
