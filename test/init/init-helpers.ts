// Container roots written as files, and hexad init run on them as PID 1 of a new PID namespace.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HEXAD } from '../helpers.js';

export const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

/** Writes a tree: name → content; a content starting with `#!` is made executable. `@ROOT@`
 * and `@TRACE@` are replaced by the root and its trace file (scripts append a word to it). */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const p = join(root, name);
    mkdirSync(dirname(p), { recursive: true });
    if (name.endsWith('/')) {
      mkdirSync(p, { recursive: true });
      continue;
    }
    writeFileSync(p, content.replaceAll('@ROOT@', root).replaceAll('@TRACE@', join(root, 'trace')));
    if (content.startsWith('#!')) chmodSync(p, 0o755);
  }
}

export function trace(root: string): string[] {
  try {
    return readFileSync(join(root, 'trace'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export interface InitRun { child: ChildProcess; done: Promise<{ code: number | null; stderr: string; stdout: string }>; stderr: () => string }

/** `hexad init --root ROOT -- CMD…` as PID 1 under unshare (or, with `pid1: false`, as a
 * subreaper in this namespace). */
export function startInit(root: string, cmd: string[], env: Record<string, string> = {}, opts: { pid1?: boolean; args?: string[] } = {}): InitRun {
  const args = [process.execPath, HEXAD, 'init', '--root', root, ...(opts.args ?? []), ...(cmd.length ? ['--', ...cmd] : [])];
  const full = { PATH: process.env.PATH!, HOME: '/root', ...env };
  const child = opts.pid1 === false
    ? spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: full })
    : spawn('unshare', ['--pid', '--fork', '--mount-proc', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: full });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  child.stdout!.on('data', (d) => { stdout += d; });
  const done = new Promise<{ code: number | null; stderr: string; stdout: string }>((res) => {
    const t = setTimeout(() => {
      // PID 1 of the namespace outlives unshare: kill it, and the namespace goes with it
      const ns = opts.pid1 === false ? 0 : nsInitPid(child.pid!);
      if (ns > 1) process.kill(ns, 'SIGKILL');
      child.kill('SIGKILL');
    }, 120_000);
    child.on('exit', (code) => { clearTimeout(t); setImmediate(() => res({ code, stderr, stdout })); });
  });
  return { child, done, stderr: () => stderr };
}

export async function runInit(root: string, cmd: string[], env: Record<string, string> = {}, opts: { pid1?: boolean; args?: string[] } = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return startInit(root, cmd, env, opts).done;
}

/** The host pid of PID 1 inside the namespace unshare made. */
export function nsInitPid(unsharePid: number): number {
  try {
    return Number(readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(' ')[0]) || 0;
  } catch {
    return 0;
  }
}

/** Copies an s6-overlay-style root into `root`, pointing its absolute paths (/etc, /run,
 * /command…) into it, and adds the stand-ins an image would have: /command/with-contenv and
 * /command/execlineb (as s6-overlay installs them) and `hexad` in usr/local/bin. */
export function installRoot(src: string, root: string): string {
  const rewrite = (s: string): string => s
    .replaceAll('/usr/bin/with-contenv', '/command/with-contenv')
    .replace(/(^|[\s'"=:!(])\/(command|etc|run|var|trace|app|config|defaults|migrations|mod-repo)/gm, `$1${root}/$2`);
  const copy = (from: string, to: string): void => {
    if (statSync(from).isDirectory()) {
      mkdirSync(to, { recursive: true });
      for (const n of readdirSync(from)) copy(join(from, n), join(to, n));
      return;
    }
    writeFileSync(to, rewrite(readFileSync(from, 'utf8')));
    chmodSync(to, statSync(from).mode & 0o777);
  };
  copy(src, root);
  mkdirSync(join(root, 'command'), { recursive: true });
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  writeFileSync(join(root, 'command/with-contenv'), `#!/bin/sh\nexec ${process.execPath} ${HEXAD} with-contenv "$@"\n`, { mode: 0o755 });
  writeFileSync(join(root, 'command/execlineb'), '#!/bin/sh\nexec /usr/bin/execlineb "$@"\n', { mode: 0o755 });
  writeFileSync(join(root, 'usr/local/bin/hexad'), `#!/bin/sh\nexec ${process.execPath} ${HEXAD} "$@"\n`, { mode: 0o755 });
  return root;
}
