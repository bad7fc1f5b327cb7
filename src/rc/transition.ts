// One state transition of one service, done in-process: no program is started per
// transition. A longrun is driven through its supervisor's on-disk interface, exactly what
// `s6-svc -uwU|-uwu|-dwD -T t` does (subscribe to event/, send the command, wait for the
// state); a oneshot goes to hexad svscan's runner.
import { accessSync } from 'node:fs';
import { join } from 'node:path';
import { errText } from '../s6/diag.js';
import { writeControl } from '../s6/control.js';
import { SvListener } from '../s6/svlisten.js';
import { Fatal } from '../s6/diag.js';

export type Outcome =
  | { ok: true }
  | { ok: false; code: number; crashed?: boolean; detail?: string; timedOut?: boolean };

export interface Running {
  done: Promise<Outcome>;
  /** stops waiting and settles with `reason` (what SIGTERM to s6-rc does to its s6-svc) */
  abort(reason: Outcome): void;
}

export function hasNotification(dir: string): boolean {
  try {
    accessSync(join(dir, 'notification-fd'));
    return true;
  } catch {
    return false;
  }
}

/** Up (and ready when the service has notification-fd) or down-and-finished. */
export function longrunTransition(dir: string, up: boolean, timeout: number): Running {
  const ready = up ? hasNotification(dir) : true;
  let watch: SvListener;
  try {
    watch = new SvListener([dir]);
  } catch (e) {
    return settled({ ok: false, code: 111, detail: e instanceof Fatal ? e.message : `unable to subscribe to events for ${dir}: ${errText(e)}` });
  }
  const r = writeControl(dir, 'supervise', up ? 'u' : 'd');
  if (r.kind !== 'ok') {
    watch.close();
    const why = r.kind === 'not-listening' ? 'supervisor not listening'
      : r.kind === 'bad-dir' ? `something is wrong with the ${dir}/supervise directory` : errText(r.error);
    return settled({ ok: false, code: r.kind === 'error' ? 111 : 100, detail: `unable to control ${dir}: ${why}` });
  }
  let settle: (o: Outcome) => void = () => {};
  let isSettled = false;
  const done = new Promise<Outcome>((resolve) => {
    settle = (o) => {
      if (isSettled) return;
      isSettled = true;
      watch.close();
      resolve(o);
    };
  });
  const deadline = timeout ? Date.now() + timeout : Infinity;
  watch.wait({ up, ready, or: true }, deadline).then(
    (failed) => settle(failed ? { ok: false, code: 1, detail: `${dir} failed permanently or its supervisor died` } : { ok: true }),
    (e) => settle(e instanceof Fatal && e.code === 99
      ? { ok: false, code: 99, detail: `timed out after ${timeout} ms`, timedOut: true }
      : { ok: false, code: 111, detail: errText(e) }),
  );
  return { done, abort: (reason) => settle(reason) };
}

/** What s6-rc does after a failed up transition: `s6-svc -d`, without waiting. */
export function sendDown(dir: string): void {
  writeControl(dir, 'supervise', 'd');
}

export function settled(o: Outcome): Running {
  return { done: Promise.resolve(o), abort: () => {} };
}
