// hexad import pm2: a realistic ecosystem file becomes a valid hexad config, with a list of what
// could not be mapped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexad, rmrf, tmp } from '../helpers.js';

test('import pm2 maps instances, env_production, max_memory_restart, cron_restart, watch…', { timeout: 60_000 }, (t) => {
  const dir = tmp('hexad-pm2-');
  t.after(() => rmrf(dir));
  writeFileSync(join(dir, 'ecosystem.config.js'), `module.exports = {
  apps: [
    {
      name: 'api', script: './dist/server.js', args: '--port 3000', instances: 4, exec_mode: 'cluster',
      env: { NODE_ENV: 'development', LOG: 'debug' }, env_production: { NODE_ENV: 'production' },
      max_memory_restart: '300M', wait_ready: true, listen_timeout: 5000, kill_timeout: 3000,
      out_file: './logs/api.out.log', error_file: './logs/api.err.log', time: true,
      max_restarts: 10, min_uptime: 2000, exp_backoff_restart_delay: 100,
    },
    { name: 'worker', script: 'worker.py', interpreter: 'python3', watch: ['src'], ignore_watch: ['node_modules', 'tmp'], watch_delay: 1000 },
    { name: 'nightly', script: 'jobs/report.js', cron_restart: '0 3 * * *', autorestart: false },
  ],
  deploy: { production: { user: 'node', host: 'example.com' } },
};
`);
  const r = hexad(['import', 'pm2', 'ecosystem.config.js'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const cfg = JSON.parse(readFileSync(join(dir, 'hexad.config.json'), 'utf8'));
  const [api, worker, nightly] = cfg.apps;
  assert.deepEqual(api.run, ['node', './dist/server.js', '--port', '3000']);
  assert.equal(api.instances, 4);
  assert.deepEqual(api.env, { NODE_ENV: 'production', LOG: 'debug' });
  assert.equal(api.maxMemoryRestart, '300M');
  assert.deepEqual(api.ready, { type: 'process.send' });
  assert.equal(api.killTimeout, 3000);
  assert.deepEqual(api.restart, { maxRestarts: 10, window: 20000, backoff: { initial: 100, factor: 1.5, max: 15000 } });
  assert.deepEqual(api.log, { timestamps: 'iso' });
  assert.deepEqual(worker.run, ['python3', 'worker.py']);
  assert.deepEqual(worker.watch, { paths: ['src'], ignore: ['**/node_modules/**', '**/tmp/**', '**/node_modules/**', '**/.hexad/**'], debounce: 1000 });
  assert.equal(nightly.cron, '0 3 * * *');
  assert.deepEqual(nightly.restart, { policy: 'never' });
  for (const k of ['deploy', 'api: exec_mode', 'api: listen_timeout', 'api: out_file', 'api: error_file']) assert.match(r.stderr, new RegExp(`not mapped: ${k}`));
  // the result is a valid config, and a second import does not overwrite it
  assert.equal(hexad(['config', 'check'], { cwd: dir }).code, 0);
  assert.equal(hexad(['import', 'pm2', 'ecosystem.config.js'], { cwd: dir }).code, 100);
});
