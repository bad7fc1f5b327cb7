// `npm run bench -- einhorn-gunicorn`: smooth upgrades of Debian's gunicorn (gthread workers,
// keep-alive) under a keep-alive load loop on loopback, bounded, with the time of each upgrade and
// the master's log timestamped, to find what makes an upgrade slow.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '../src/einhorn/client.js';
import { Daemon, until } from '../test/helpers.js';
import { Load } from '../test/einhorn/load.js';
import { children, state } from '../test/einhorn/fixture.js';
import { Sym } from '../src/einhorn/yaml.js';
import { printTable } from './table.js';

const HEXAD = fileURLToPath(new URL('../../bin/hexad.js', import.meta.url));
const UPGRADES = Number(process.env.UPGRADES ?? 5);

const APP = `import json, os
def app(environ, start_response):
    v = open(os.path.join(os.path.dirname(__file__), "version")).read().strip()
    body = json.dumps({"version": v, "pid": os.getppid()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
`;

async function upgrade(sock: string): Promise<number> {
  const c = await Client.connect(sock);
  const t0 = Date.now();
  try {
    await c.command('upgrade', []);
  } finally {
    c.close();
  }
  return (Date.now() - t0) / 1000;
}

export default async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hexad-gunicorn-'));
  writeFileSync(join(dir, 'app.py'), APP);
  writeFileSync(join(dir, 'version'), '0');
  const sock = join(dir, 'sock');
  const script = `exec /usr/bin/python3 -m gunicorn --chdir ${dir} -k gthread --threads 4 --keep-alive 5 -w 2 --graceful-timeout 2 ${process.env.GUNICORN_BIND ?? '--bind fd://$EINHORN_FD_0'} app:app`;
  const t0 = Date.now();
  const d = new Daemon(process.execPath, [HEXAD, 'einhorn', '-d', sock, '-e', join(dir, 'pid'), '-f', join(dir, 'lock'), '-b', '127.0.0.1:0,r', '-n', '3', ...(process.env.EINHORN_OPTS ?? '-t 5').split(' ').filter(Boolean), '--', '/bin/sh', '-c', script], {});
  const lines: string[] = [];
  d.child.stderr!.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l) lines.push(`${((Date.now() - t0) / 1000).toFixed(2)} ${l}`);
  });
  try {
    let port = 0;
    await until(`master (${lines.slice(-5).join(' | ')})`, async () => {
      try {
        port = ((await state(sock)).get(Sym.of('bound_ports')) as number[])[0];
        const kids = await children(sock);
        return kids.length === 3 && kids.every((c) => c.acked);
      } catch {
        return false;
      }
    }, 60_000);
    const load = new Load(port, { concurrency: 8, keepAlive: true });
    const rows: string[][] = [];
    for (let i = 1; i <= UPGRADES; i++) {
      writeFileSync(join(dir, 'version'), String(i));
      const s = await upgrade(sock);
      rows.push([String(i), s.toFixed(2)]);
      process.stderr.write(`upgrade ${i}: ${s.toFixed(2)} s\n`);
    }
    await load.stop();
    printTable(['upgrade', 'seconds'], rows);
    console.log(`load: ${JSON.stringify({ sent: load.result.sent, ok: load.result.ok, errors: load.result.errors })}`);
    if (process.env.VERBOSE) console.log(lines.join('\n'));
    else writeFileSync('/tmp/eh-probe/master.log', lines.join('\n'));
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
