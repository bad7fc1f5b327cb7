// One readiness probe attempt: an HTTP GET answered 2xx/3xx, a TCP connect, or a command
// exiting 0.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';

export type Probe = { type: 'http'; url: string } | { type: 'tcp'; addr: string } | { type: 'exec'; command: string };

export function probeOnce(p: Probe, timeoutMs: number): Promise<boolean> {
  if (p.type === 'http') {
    return fetch(p.url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' })
      .then((r) => { void r.body?.cancel(); return r.status >= 200 && r.status < 400; }, () => false);
  }
  if (p.type === 'tcp') {
    const i = p.addr.lastIndexOf(':');
    return new Promise((resolve) => {
      const s = connect({ host: p.addr.slice(0, i), port: Number(p.addr.slice(i + 1)) });
      const done = (ok: boolean): void => { s.destroy(); resolve(ok); };
      s.setTimeout(timeoutMs, () => done(false));
      s.once('connect', () => done(true));
      s.once('error', () => done(false));
    });
  }
  return new Promise((resolve) => {
    const c = spawn('/bin/sh', ['-c', p.command], { stdio: 'ignore', timeout: timeoutMs });
    c.once('exit', (code) => resolve(code === 0));
    c.once('error', () => resolve(false));
  });
}
