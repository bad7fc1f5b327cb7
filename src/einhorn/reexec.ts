// Re-exec of the master (einhorn's reload): same pid, same listening sockets, same command socket
// and client connections, same children. The state goes to the next image through an unlinked
// temporary file whose descriptor survives the exec (a pipe would block once its 64 KiB are full,
// and Node cannot fork a state-passing child as einhorn does).
import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readdirSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as native from '../native/index.js';

/** The command that re-runs the master: `--reexec-as` words, or this very program. */
export function upgradeCommandline(base: string[], flags: string[], cmd: string[]): string[] {
  return [...base, ...flags, '--', ...cmd];
}

/** einhorn's reload environment: the environment this image started with, minus --drop-env-var. */
export function reexecEnv(environ: Record<string, string | undefined>, drop: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(environ)) if (v !== undefined && !drop.includes(k)) env[k] = v;
  return env;
}

/** A program name as execvp would find it: names with a slash as they are, others in $PATH. */
export function findExecutable(name: string, path = process.env.PATH ?? '/usr/bin:/bin'): string | null {
  const ok = (p: string): boolean => {
    try {
      if (statSync(p).isDirectory()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return ok(name) ? name : null;
  for (const dir of path.split(delimiter)) {
    const p = join(dir || '.', name);
    if (ok(p)) return p;
  }
  return null;
}

/** einhorn's pre-flight: run `COMMAND --upgrade-check` and go ahead only if it exits 0. */
export function preflight(cmdline: string[], env: Record<string, string>): Promise<boolean> {
  return new Promise((resolve) => {
    const exe = findExecutable(cmdline[0], env.PATH);
    if (!exe) return resolve(false);
    const c = spawn(exe, cmdline.slice(1), { env, stdio: ['ignore', 'ignore', 'inherit'], argv0: cmdline[0] });
    c.on('error', () => resolve(false));
    c.on('exit', (code) => resolve(code === 0));
  });
}

/** Writes `data` to an unlinked temporary file; returns its descriptor (close-on-exec cleared). */
export function stateFile(data: string): number {
  const path = join(tmpdir(), `.hexad-einhorn-state-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(path, 'wx+', 0o600);
  unlinkSync(path);
  const buf = Buffer.from(data);
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off, off);
  native.setCloexec(fd, false);
  return fd;
}

/** Reads a state file or pipe from its start, then closes it. */
export function readStateFd(fd: number): string {
  const chunks: Buffer[] = [];
  let pos = 0;
  let seekable = true;
  for (;;) {
    const buf = Buffer.alloc(65536);
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, seekable ? pos : null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESPIPE' && seekable) {
        seekable = false;
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    pos += n;
  }
  closeSync(fd);
  return Buffer.concat(chunks).toString('utf8');
}

/** Replaces this process image. Returns only by throwing (the exec failed). */
export function execInPlace(cmdline: string[], env: Record<string, string>): never {
  const exe = findExecutable(cmdline[0], env.PATH);
  if (!exe) throw Object.assign(new Error(`${cmdline[0]}: not found`), { code: 'ENOENT' });
  return native.execve(exe, cmdline, Object.entries(env).map(([k, v]) => `${k}=${v}`));
}

/** Identifies the code a re-exec would run: Node, the entry script, hexad's compiled modules and
 * its addon (path, size, mtime, inode). When it has not changed since this master image started,
 * the new image runs exactly the code already running, and the pre-flight can be skipped. */
export function codeFingerprint(): string {
  const parts: string[] = [];
  const add = (p: string): void => {
    try {
      const st = statSync(p);
      parts.push(`${p}:${st.size}:${st.mtimeMs}:${st.ino}`);
    } catch {
      parts.push(`${p}:missing`);
    }
  };
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      if (n.endsWith('.js')) add(p);
      else if (!n.includes('.')) walk(p);
    }
  };
  add(process.execPath);
  if (process.argv[1]) add(process.argv[1]);
  walk(fileURLToPath(new URL('../', import.meta.url)));
  add(fileURLToPath(new URL('../../../src/native/build/Release/hexad.node', import.meta.url)));
  return parts.join('\n');
}
