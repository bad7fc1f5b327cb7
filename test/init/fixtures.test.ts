// Three s6-overlay v3 trees in the styles users write (s6-overlay's documentation, the
// linuxserver.io base image, a v2 image moved to v3), with stand-ins for their absent programs,
// run under hexad init as PID 1: every service comes up in dependency order, probes pass,
// and the container stops cleanly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEXAD, ROOT, rmrf, tmp } from '../helpers.js';
import { canUnshare, installRoot, runInit, trace } from './init-helpers.js';

const base = tmp('hexad-init-fx-');
after(() => rmrf(base));
const FIXTURES = join(ROOT, 'test/init/fixtures');
const install = (name: string): string => installRoot(join(FIXTURES, name), join(base, name));
const skip = !canUnshare && 'needs root and unshare';

/** CMD: the readiness probe an orchestrator would run, recorded in the trace. */
function probeCmd(root: string): string[] {
  return ['/bin/sh', '-c', `${process.execPath} ${HEXAD} probe ready && echo probe-ready >> ${root}/trace`];
}

const envFor = (root: string, extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: `${root}/usr/local/bin:${process.env.PATH}`, HEXAD_INIT_ROOT: root, ...extra,
});

const before = (t: string[], a: string, b: string): void => {
  const i = t.findIndex((x) => x.startsWith(a));
  const j = t.findIndex((x) => x.startsWith(b));
  assert.ok(i >= 0 && j >= 0 && i < j, `${a} before ${b} in: ${t.join(' | ')}`);
};

test('s6-overlay documentation style: a config oneshot, php-fpm with readiness, nginx after both', { skip }, async () => {
  const root = install('overlay-docs');
  const r = await runInit(root, probeCmd(root), envFor(root, { NGINX_PORT: '8081' }));
  assert.equal(r.code, 0, r.stderr);
  const t = trace(root);
  before(t, 'init-nginx-conf', 'nginx');
  before(t, 'php-fpm-ready', 'nginx');
  assert.ok(t.includes('nginx -g daemon off;'), t.join(' | '));
  assert.ok(t.includes('probe-ready'), r.stderr);
  assert.ok(t.includes('nginx-finish'));
  assert.equal(readFileSync(join(root, 'run/nginx/site.conf'), 'utf8'), 'listen 8081;\n');
});

test('linuxserver.io base style: the init-* chain in order, then svc-cron; PUID/PGID through with-contenv', { skip }, async () => {
  const root = install('lsio-base');
  const r = await runInit(root, probeCmd(root), envFor(root, { PUID: '1000', PGID: '1001' }));
  assert.equal(r.code, 0, r.stderr);
  const t = trace(root);
  const order = ['init-migrations', 'init-adduser 1000:1001', 'init-os-end', 'init-config', 'init-config-end', 'init-mods', 'init-mods-package-install', 'init-mods-end', 'init-custom-files', 'init-services', 'svc-cron', 'busybox crond -f -S -l 5', 'probe-ready'];
  for (let i = 1; i < order.length; i++) before(t, order[i - 1], order[i]);
  before(t, 'init-crontab-config', 'init-services');
  assert.match(r.stdout + r.stderr, /User UID: {4}1000/);
});

test('a v2 image moved to v3: cont-init.d, services.d with s6-log, user2 after services.d, cont-finish.d', { skip }, async () => {
  const root = install('legacy-v2');
  // the services.d app reports readiness and init waits for it (S6_CMD_WAIT_FOR_SERVICES), so
  // that "user2 after services.d" is an order, not a race with the app's first line
  const r = await runInit(root, probeCmd(root), envFor(root, { APP_ENV: 'staging', APP_PORT: '4000', S6_CMD_WAIT_FOR_SERVICES: '1' }));
  assert.equal(r.code, 0, r.stderr);
  const t = trace(root);
  for (const [a, b] of [['cont-init banner staging', 'cont-init dirs'], ['cont-init dirs', 'app'], ['app', 'metrics'], ['metrics', 'probe-ready'], ['probe-ready', 'app-finish'], ['app-finish', 'cont-finish flush']]) before(t, a, b);
  assert.match(readFileSync(join(root, 'var/log/app/current'), 'utf8'), /listening on 4000/);
});
