// Zero drop: a bounded load over 127.0.0.1, on new connections and on keep-alive connections at
// once, during 10 smooth upgrades, each after a reload (a re-exec of the master): no request may fail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rmrf, tmp } from '../helpers.js';
import { command, settled, setWorker, startMaster, writeWorker } from './fixture.js';
import { Load } from './load.js';

const UPGRADES = 10;
const MIN_TOTAL = 20_000;
const MIN_EACH = 8_000;
const MAX_UPGRADES = 60;

test('10 or more reloads and upgrades under load: at least 20,000 requests, new connections and keep-alive, zero failures', { timeout: 120_000 }, async (t) => {
  const dir = tmp();
  t.after(() => rmrf(dir));
  writeWorker(dir);
  const m = await startMaster(dir, ['-n', '3', '-s', '0.1']);
  t.after(() => m.d.stop());
  await settled(m, 3, 0);
  const fresh = new Load(m.port, { concurrency: 4, keepAlive: false });
  const kept = new Load(m.port, { concurrency: 4, keepAlive: true });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await Promise.all([fresh.stop(), kept.stop()]);
  });
  // back-to-back upgrades until both 10 upgrades and the request counts are reached, so that the
  // whole load runs while workers are being replaced, however fast the machine is
  const enough = (): boolean => fresh.result.sent + kept.result.sent >= MIN_TOTAL && fresh.result.sent >= MIN_EACH && kept.result.sent >= MIN_EACH;
  let v = 0;
  while (v < UPGRADES || (!enough() && v < MAX_UPGRADES)) {
    v++;
    // a reload first: the master re-execs itself under load, keeping its sockets
    assert.deepEqual(await command(m.sock, 'reload'), ['Reloading, as commanded']);
    setWorker(dir, 'ok', String(v));
    const msgs = await command(m.sock, 'upgrade');
    assert.equal(msgs.at(-1), 'Upgrade done', msgs.join('\n'));
  }
  const [a, b] = await Promise.all([fresh.stop(), kept.stop()]);
  stopped = true;
  await settled(m, 3, v);
  t.diagnostic(`${v} upgrades`);
  t.diagnostic(`new connection per request: ${a.sent} sent, ${a.ok} ok, errors ${JSON.stringify(a.errors)}, versions ${JSON.stringify(a.versions)}`);
  t.diagnostic(`keep-alive: ${b.sent} sent, ${b.ok} ok, errors ${JSON.stringify(b.errors)}, versions ${JSON.stringify(b.versions)}`);
  assert.equal(a.failed, 0, JSON.stringify(a.errors));
  assert.equal(b.failed, 0, JSON.stringify(b.errors));
  assert.ok(a.sent + b.sent >= MIN_TOTAL, `${a.sent + b.sent} requests`);
  assert.ok(a.sent >= MIN_EACH && b.sent >= MIN_EACH, `${a.sent} and ${b.sent} requests`);
  // every version served some of them, the last one included
  for (let k = 0; k < v; k++) assert.ok((a.versions[k] ?? 0) + (b.versions[k] ?? 0) > 0, `version ${k} answered`);
  assert.ok(m.d.running);
});
