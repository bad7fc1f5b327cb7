// examples/rc: compiled and brought up on hexad svscan, then queried over HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';
import { RcEnv } from './rc-helpers.js';

const freePort = (): Promise<number> => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => resolve(port));
  });
});

const fetchText = (port: number): Promise<string> => new Promise((resolve, reject) => {
  get({ host: '127.0.0.1', port, path: '/' }, (res) => {
    let t = '';
    res.setEncoding('utf8').on('data', (d) => { t += d; }).on('end', () => resolve(t));
  }).on('error', reject);
});

test('examples/rc: prepare, db with readiness, web, the example bundle', async (t) => {
  const dataDir = `/tmp/hexad-example-test-${process.pid}`;
  const env = await RcEnv.start('hexad', 'hexad-rc-example-', { HEXAD_EXAMPLE_DIR: dataDir });
  t.after(async () => {
    await env.stop();
    (await import('node:fs')).rmSync(dataDir, { recursive: true, force: true });
  });
  cpSync(join(ROOT, 'examples', 'rc'), env.src, { recursive: true });
  const [webPort, dbPort] = [await freePort(), await freePort()];
  writeFileSync(join(env.src, 'web', 'env', 'PORT'), `${webPort}\n`);
  writeFileSync(join(env.src, 'web', 'env', 'DB_PORT'), `${dbPort}\n`);
  writeFileSync(join(env.src, 'db', 'env', 'PORT'), `${dbPort}\n`);
  const { dir, r } = env.compile();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(env.init(dir).code, 0);
  const up = env.rc(['-v2', 'change', 'example']);
  assert.equal(up.code, 0, up.stderr);
  assert.deepEqual(env.up(), ['s6rc-oneshot-runner', 'db', 'web', 'prepare']);
  assert.equal(await fetchText(webPort), 'hello from hexad rc: visit #1\n');
  assert.equal(await fetchText(webPort), 'hello from hexad rc: visit #2\n');
  assert.match(readFileSync(join(dataDir, 'www', 'access.log'), 'utf8'), /GET \/ #2\n$/);
  const down = env.rc(['-da', 'change']);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(env.up(), []);
});
