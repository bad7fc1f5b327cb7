// The packed tarball installs in a fresh project and a consumer type-checks against it with
// `tsc --strict` (the public API of src/index.ts, types from dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, rmrf, run, tmp } from '../helpers.js';

test('npm pack, install into a fresh project, tsc --strict on a consumer', { timeout: 600_000 }, (t) => {
  const dir = tmp('hexad-pack-');
  t.after(() => rmrf(dir));
  const packed = run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, timeout: 300_000 });
  assert.equal(packed.code, 0, packed.stderr);
  const tarball = readdirSync(dir).find((n) => n.endsWith('.tgz'))!;
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  const inst = run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)], { cwd: app, timeout: 300_000 });
  assert.equal(inst.code, 0, inst.stderr);
  writeFileSync(join(app, 'hexad.config.ts'), `import { defineConfig } from 'hexad';
export default defineConfig({
  apps: [
    { name: 'db', run: 'postgres -D data', ready: { type: 'tcp', port: 5432 } },
    { name: 'api', run: ['node', 'server.js'], instances: 2, dependsOn: { db: 'ready' }, env: { PORT: 3000 } },
  ],
});
`);
  writeFileSync(join(app, 'main.ts'), `import { up, down, status, control, waitFor, events, logs, loadConfig, HexadError, type Overview, type LogRecord } from 'hexad';
import { ready } from 'hexad/child';
async function main(): Promise<void> {
  const lc = await loadConfig({ config: 'hexad.config.ts' });
  const names: string[] = lc.config.apps.map((a) => a.name);
  await up({ apps: names });
  await waitFor('api', 'ready', { timeout: 10_000 });
  const s: Overview = await status();
  const cpu: unknown = s.services[0].cpu;
  await control('api', 'reload');
  for await (const e of events({ signal: AbortSignal.timeout(1000) })) console.log(e.service, e.event, e.time.toFixed());
  for await (const r of logs({ lines: 10 })) { const x: LogRecord = r; console.log(x.app, x.time ?? 0, x.line); }
  await down();
  await ready({ notificationFd: 3 });
  void cpu;
}
main().catch((e: unknown) => { if (e instanceof HexadError) process.exitCode = e.exitCode; });
`);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: false,
      types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
    files: ['main.ts', 'hexad.config.ts'],
  }));
  const tsc = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, timeout: 300_000 });
  assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  // and a wrong use is caught
  writeFileSync(join(app, 'main.ts'), `import { control, defineConfig } from 'hexad';\nvoid control('api', 'explode');\ndefineConfig({ apps: [{ name: 'x', runn: 'y' }] });\n`);
  const bad = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app, timeout: 300_000 });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout, /explode/);
  assert.match(bad.stdout, /runn/);
});
