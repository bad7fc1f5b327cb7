// The online instance tools: creating, deleting and listing the instances of a running
// instanced service, through its nested scan directory `instance/` (links to `instances/NAME`).
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Fatal, errCode, errText, fatalSys } from '../s6/diag.js';
import { deadlineAfter } from '../s6/svlisten.js';
import { linkNames, scannerRunning, TimeoutError, unlinkNames } from '../svscan/link.js';
import { hiercopy, rmrf } from '../s6/tree.js';
import { checkInstanceName, checkServicePath } from './names.js';

/** s6_instance_chdirservice: `SERVICE/instance` must be a scan directory with a running
 * scanner. Returns that scan directory; Fatal 1 when nothing runs, 111 when it cannot tell. */
export function runningScandir(service: string): string {
  checkServicePath(service);
  const scandir = join(service, 'instance');
  try {
    if (!statSync(scandir).isDirectory()) throw Object.assign(new Error('Not a directory'), { errno: 20, code: 'ENOTDIR' });
  } catch (e) {
    throw fatalSys(111, `chdir to ${scandir}`, e);
  }
  if (!scannerRunning(scandir)) throw new Fatal(1, `instanced service not running on ${service}`);
  return scandir;
}

/** When root works on an instanced service whose `instance/` belongs to another user (one made
 * with -u), it acts as that user, so the copies and event directories are theirs. */
export function actAsOwner(scandir: string): void {
  if (process.geteuid?.() !== 0) return;
  let st;
  try {
    st = statSync(scandir);
  } catch {
    return; // the command itself reports what is missing
  }
  if (st.uid === 0) return;
  try {
    process.setgroups!([st.gid]);
    process.setgid!(st.gid);
    process.setuid!(st.uid);
  } catch (e) {
    throw fatalSys(111, `become the owner of ${scandir}`, e);
  }
}

export interface CreateOptions {
  /** create ./down before the supervisor starts (-d, -D) */
  down?: boolean;
  /** remove ./down once the supervisor runs (-d) */
  removeDown?: boolean;
  /** public event directory (-P) */
  publicEvents?: boolean;
  /** force the event directory's mode (-f) */
  force?: boolean;
  /** ms; 0 = no limit */
  timeout?: number;
  /** root acting as the owner of the instanced service (the command-line tools do) */
  asOwner?: boolean;
  /** wait for the supervisor with a blocking poll (the command-line tool: a one-shot process) */
  blocking?: boolean;
}

function mkdirOk(dir: string): void {
  const umask = process.umask(0);
  try {
    mkdirSync(dir, 0o755);
  } catch (e) {
    if (errCode(e) !== 'EEXIST') throw fatalSys(111, `mkdir ${dir}`, e);
  } finally {
    process.umask(umask);
  }
}

/** s6-instance-create: copies the template to instances/NAME, links it into the nested scan
 * directory and waits for its supervisor(s). Exit codes through Fatal: 99 timeout, 100 bad or
 * existing name, 111 system call; the copy is removed on failure. */
export async function createInstance(service: string, name: string, o: CreateOptions = {}): Promise<void> {
  checkInstanceName(name);
  checkServicePath(service);
  mkdirOk(join(service, 'instances'));
  mkdirOk(join(service, 'instance'));
  const scandir = runningScandir(service);
  if (o.asOwner) actAsOwner(scandir);
  const deadline = deadlineAfter(o.timeout ?? 0);
  const copy = join(service, 'instances', name);
  let st;
  try {
    st = statSync(copy);
  } catch (e) {
    if (errCode(e) !== 'ENOENT') throw fatalSys(111, `stat ${copy}`, e);
  }
  if (st) {
    throw new Fatal(100, st.isDirectory() ? `instance appears to already exist at ${copy}` : `unexpected file preventing instance creation at ${copy}`);
  }
  try {
    hiercopy(join(service, 'template'), copy, { followTop: true });
  } catch (e) {
    rmrf(copy);
    throw fatalSys(111, `copy ${join(service, 'template')} to ${copy}`, e);
  }
  try {
    await linkNames(scandir, [copy], [name], {
      targets: [`../instances/${name}`],
      relative: true,
      down: o.down,
      removeDown: o.removeDown,
      publicEvents: o.publicEvents,
      force: o.force,
      deadline,
      blocking: o.blocking,
    });
  } catch (e) {
    rmrf(copy);
    throw new Fatal(e instanceof TimeoutError ? 99 : 111, `unable to create instance of ${service} named ${name}: ${errText(e)}`);
  }
}

export interface DeleteOptions {
  /** wait for the supervisor(s) to exit (no -X) */
  wait?: boolean;
  timeout?: number;
  asOwner?: boolean;
  /** wait with a blocking poll (the command-line tool) */
  blocking?: boolean;
}

/** s6-instance-delete: unlinks the instance from the nested scan directory, has the scanner stop
 * its supervisor(s), waits for them (unless told not to; a timeout is not an error), then
 * removes the copy. Deleting an instance that does not exist succeeds. */
export async function deleteInstance(service: string, name: string, o: DeleteOptions = {}): Promise<void> {
  checkInstanceName(name);
  const scandir = runningScandir(service);
  if (o.asOwner) actAsOwner(scandir);
  try {
    await unlinkNames(scandir, [name], o.wait ?? true, deadlineAfter(o.timeout ?? 0), o.blocking);
  } catch (e) {
    throw fatalSys(111, `prepare deletion of instance ${name} of service ${service}`, e);
  }
  try {
    rmrf(join(service, 'instances', name));
  } catch (e) {
    throw fatalSys(111, `remove ${join(service, 'instances', name)}`, e);
  }
}

/** s6-instance-list: the names in the nested scan directory, not starting with `.`. */
export function listInstanceNames(service: string): string[] {
  const scandir = runningScandir(service);
  try {
    return readdirSync(scandir).filter((n) => n[0] !== '.');
  } catch (e) {
    throw fatalSys(111, `readdir ${scandir}`, e);
  }
}

export interface InstanceInfo {
  name: string;
  /** the instance's service directory, through its link: SERVICE/instance/NAME */
  dir: string;
  /** SERVICE/instance/NAME/log when the template is logged */
  logDir: string | null;
}

/** For `hexad status`: the instances of the instanced service in `serviceDir`, whether or not
 * its scanner runs; null when `serviceDir` is not an instanced service (no `instance/` and
 * `template/` directories). Sorted by name; dangling links are left out. */
export function instancesOf(serviceDir: string): InstanceInfo[] | null {
  const isDir = (p: string): boolean => {
    try {
      return statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const scandir = join(serviceDir, 'instance');
  if (!isDir(scandir) || !isDir(join(serviceDir, 'template'))) return null;
  let names: string[];
  try {
    names = readdirSync(scandir);
  } catch {
    return null;
  }
  const out: InstanceInfo[] = [];
  for (const name of names.sort()) {
    if (name[0] === '.') continue;
    const dir = join(scandir, name);
    if (!isDir(dir)) continue;
    out.push({ name, dir, logDir: isDir(join(dir, 'log')) ? join(dir, 'log') : null });
  }
  return out;
}
