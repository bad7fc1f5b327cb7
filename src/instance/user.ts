// Accounts for `-u` and `-l`: looked up through the system's name service (getent, so NSS
// sources count), with /etc/passwd read directly where getent is missing.
import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, statSync } from 'node:fs';

export interface Account { name: string; uid: number; gid: number }

function parse(line: string): Account | null {
  const f = line.split(':');
  if (f.length < 4) return null;
  const uid = Number(f[2]), gid = Number(f[3]);
  if (!/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) return null;
  return { name: f[0], uid, gid };
}

/** The account named `name`, or null when there is none. */
export function lookupUser(name: string): Account | null {
  if (!name || /[:\n]/.test(name)) return null;
  const r = spawnSync('getent', ['passwd', '--', name], { encoding: 'utf8' });
  if (!r.error) {
    if (r.status !== 0) return null;
    const a = parse(r.stdout.split('\n')[0]);
    return a && a.name === name ? a : null;
  }
  let text: string;
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const a = parse(line);
    if (a && a.name === name) return a;
  }
  return null;
}

/** s6-setuidgid: supplementary groups, group, then user. */
export function becomeUser(a: Account): void {
  // process.initgroups exists on POSIX systems but is missing from @types/node
  (process as unknown as { initgroups(user: string, group: number): void }).initgroups(a.name, a.gid);
  process.setgid!(a.gid);
  process.setuid!(a.uid);
}

/** Makes `dir` exist and belong to the account (done as root, before becoming it). */
export function ownDir(dir: string, a: Account): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const st = statSync(dir);
  if (st.uid !== a.uid || st.gid !== a.gid) chownSync(dir, a.uid, a.gid);
}
