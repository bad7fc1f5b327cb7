// The parallel state engine of `rc change` (s6-rc §4.5): in one pass, every selected service
// starts (stops) as soon as all its dependencies are up (all its dependents are down), with
// no limit on parallelism. A failure blocks only what depends on it. The state file is
// rewritten after every success, so it always records what was really done.
//
// Every transition runs in this process: a longrun through its supervisor's control FIFO
// and event fifodir, a oneshot through hexad svscan's runner socket. Nothing is forked per
// transition, which is where s6-rc spends most of its time.
import { closeSync, openSync, unlinkSync, writeSync, constants as C } from 'node:fs';
import { join, resolve as absolute } from 'node:path';
import { Fatal, errText } from '../s6/diag.js';
import { FDHOLDER, RUNNER, type Database } from './db.js';
import { runnerSocket } from './live.js';
import { runOneshot } from './oneshot-client.js';
import { connectUnix } from '../native/index.js';
import { TransitionLog } from './transitions-log.js';
import { hasNotification, longrunTransition, sendDown, type Outcome, type Running } from './transition.js';

export interface Output {
  warn(msg: string): void;
  info(msg: string): void;
  /** a dry-run line, on stdout */
  dry(line: string): void;
}

export interface EngineOptions {
  db: Database;
  /** the live directory as named on the command line */
  live: string;
  scandir: string;
  /** one byte per service, bit 0 = up; updated in place */
  state: Uint8Array;
  verbosity: number;
  /** -n: the dry-run throttle in ms, or null for a real change */
  dryRun: number | null;
  /** -D: stop essential services too */
  forceStop: boolean;
  /** Date.now()-style ms, or Infinity */
  deadline: number;
  out: Output;
}

export interface Failure { i: number; up: boolean; pass: number; outcome: Outcome; skipped: number[] }

export class Engine {
  private lameDuck = false;
  private passes = 0;
  private stateFd = -1;
  private readonly running = new Map<number, Running>();
  readonly failures: Failure[] = [];
  /** LIVE/transitions: one record per real transition, read by the metrics at scrape time */
  private readonly tlog: TransitionLog | null;

  constructor(private readonly o: EngineOptions) {
    this.tlog = o.dryRun === null ? new TransitionLog(o.live) : null;
  }

  /** Records service i's new state in LIVE/state at once: its byte is rewritten in place, so
   * the file is accurate after every transition (s6-rc rewrites the whole file each time,
   * through a rename; one byte per service makes that unnecessary). */
  private recordState(i: number): void {
    try {
      if (this.stateFd < 0) this.stateFd = openSync(join(this.o.live, 'state'), C.O_WRONLY);
      writeSync(this.stateFd, Buffer.of(this.o.state[i] & 1), 0, 1, i);
    } catch (e) {
      throw new Fatal(111, `unable to write ${this.o.live}/state: ${errText(e)}`);
    }
  }

  /** Releases the state file (the engine is done with this live directory). */
  close(): void {
    if (this.stateFd >= 0) closeSync(this.stateFd);
    this.stateFd = -1;
    this.tlog?.close();
  }

  /** SIGTERM/SIGINT: abort the longrun transitions, start nothing new, finish the rest. */
  interrupt(sig: 'TERM' | 'INT'): void {
    if (this.o.verbosity >= 2) this.o.out.warn(`received ${sig}, aborting longrun transitions and exiting asap`);
    this.lameDuck = true;
    const signo = sig === 'TERM' ? 15 : 2;
    for (const [i, r] of this.running) {
      if (i < this.o.db.nlong) r.abort({ ok: false, code: signo, crashed: true });
    }
  }

  /** One pass over the selected services, towards up or down. Resolves 0, or 1 when a
   * transition failed; rejects with Fatal(2) at the global deadline. */
  pass(selected: Uint8Array, up: boolean): Promise<number> {
    const { db, state, verbosity, out } = this.o;
    const n = db.n;
    const pending = new Uint32Array(n);
    const examined = new Uint8Array(n);
    const started = new Float64Array(n);
    let failed = 0;
    const passNo = ++this.passes;
    if (verbosity >= 3) out.info(`bringing selected services ${up ? 'up' : 'down'}`);
    for (let i = 0; i < n; i++) pending[i] = up ? db.services[i].deps.length : db.services[i].rdeps.length;

    return new Promise<number>((resolve, reject) => {
      let finished = false;
      let timer: NodeJS.Timeout | null = null;
      const end = (): void => {
        if (finished || this.running.size) return;
        finished = true;
        if (timer) clearTimeout(timer);
        // who never got their turn because of a failure (for the summary)
        for (const f of this.failures) if (f.up === up && f.pass === passNo) f.skipped = this.blockedBy(f.i, up, selected, examined);
        resolve(failed);
      };
      const abort = (e: unknown): void => {
        finished = true;
        if (timer) clearTimeout(timer);
        reject(e);
      };

      const broadcast = (i: number): void => {
        const next = up ? db.services[i].rdeps : db.services[i].deps;
        for (let k = next.length - 1; k >= 0; k--) {
          const j = next[k];
          pending[j]--;
          examine(j);
        }
      };

      const examine = (i: number): void => {
        if (!selected[i] || pending[i] || examined[i]) return;
        examined[i] = 1;
        const s = db.services[i];
        if (!!(state[i] & 1) === up) {
          if (verbosity >= 3) out.info(`service ${s.name}: already ${up ? 'up' : 'down'}`);
          broadcast(i);
          return;
        }
        if (!up && !this.o.forceStop && s.flags & 1) {
          if (verbosity) out.warn(`service ${s.name} is marked as essential, not stopping it`);
          return;
        }
        started[i] = performance.now();
        const r = this.start(i, up);
        this.running.set(i, r);
        if (verbosity >= 2) out.info(`service ${s.name}: ${up ? 'starting' : 'stopping'}`);
        r.done.then((outcome) => {
          this.running.delete(i);
          if (this.tlog && !s.internal) {
            const ms = performance.now() - started[i];
            this.tlog.append({ service: s.name, up, ok: outcome.ok, startMs: Date.now() - ms, durationMs: ms });
          }
          if (finished) return;
          try {
            if (outcome.ok) this.onSuccess(i, up, performance.now() - started[i], broadcast);
            else {
              failed = 1;
              this.onFailure(i, up, outcome, passNo);
            }
          } catch (e) {
            abort(e);
            return;
          }
          end();
        });
      };

      if (this.o.deadline !== Infinity) {
        timer = setTimeout(() => {
          if (!finished) abort(new Fatal(2, 'timed out'));
        }, Math.max(0, this.o.deadline - Date.now()));
      }
      try {
        for (let i = n - 1; i >= 0; i--) examine(i);
      } catch (e) {
        abort(e);
        return;
      }
      end();
    });
  }

  /** Selected services that were never examined because they (transitively) wait on `i`. */
  private blockedBy(i: number, up: boolean, selected: Uint8Array, examined: Uint8Array): number[] {
    const { db } = this.o;
    const seen = new Uint8Array(db.n);
    const stack = [i];
    const out: number[] = [];
    while (stack.length) {
      const k = stack.pop()!;
      for (const j of up ? db.services[k].rdeps : db.services[k].deps) {
        if (seen[j] || !selected[j] || examined[j]) continue;
        seen[j] = 1;
        out.push(j);
        stack.push(j);
      }
    }
    return out.sort((a, b) => a - b);
  }

  private timeoutFor(i: number, up: boolean): number {
    let t = this.o.db.services[i].timeout[up ? 1 : 0];
    if (this.o.deadline !== Infinity) {
      const left = Math.max(1, Math.round(this.o.deadline - Date.now()));
      if (!t || left < t) t = left;
    }
    return t;
  }

  private serviceDir(i: number): string {
    return join(this.o.live, 'servicedirs', this.o.db.services[i].name);
  }

  private start(i: number, up: boolean): Running {
    const { db, dryRun } = this.o;
    const s = db.services[i];
    const t = this.timeoutFor(i, up);
    if (dryRun !== null) {
      if (this.o.verbosity) this.o.out.dry(`s6-rc-dryrun: ${this.describe(i, up, t)}`);
      let timer: NodeJS.Timeout;
      let settle: (o: Outcome) => void = () => {};
      const done = new Promise<Outcome>((resolve) => {
        settle = resolve;
        timer = setTimeout(() => resolve({ ok: true }), dryRun);
      });
      return { done, abort: (o) => { clearTimeout(timer); settle(o); } };
    }
    if (s.internal) return this.startInternal(i, up);
    if (i < db.nlong) return longrunTransition(this.serviceDir(i), up, t);
    return runOneshot({
      socket: runnerSocket(this.o.scandir),
      argv: (up ? s.up : s.down) ?? [],
      cwd: absolute(this.o.live),
      env: { RC_NAME: s.name },
      timeout: t,
    });
  }

  /** The dry-run line: the command that does the same thing as this transition. */
  private describe(i: number, up: boolean, t: number): string {
    const s = this.o.db.services[i];
    if (s.internal) return `hexad-internal ${up ? 'up' : 'down'}  # ${s.name}`;
    if (i < this.o.db.nlong) {
      const flag = up ? (hasNotification(this.serviceDir(i)) ? '-uwU' : '-uwu') : '-dwD';
      return `s6-svc ${flag} -T ${t} -- ${this.serviceDir(i)}`;
    }
    return `hexad-runner -T ${t} -- ${runnerSocket(this.o.scandir)} ${up ? 'up' : 'down'} ${i}  # ${s.name}`;
  }

  /** s6rc-oneshot-runner and s6rc-fdholder are provided by hexad svscan itself: going up
   * checks that the runner is there (when something needs it), going down is a no-op. */
  private startInternal(i: number, up: boolean): Running {
    const { db } = this.o;
    const needed = db.services[i].name === RUNNER
      || (db.services[i].name === FDHOLDER && db.services.some((s) => s.producers?.length));
    if (!up || !needed) return deferred({ ok: true });
    const sock = runnerSocket(this.o.scandir);
    try {
      closeSync(connectUnix(sock));
    } catch (e) {
      return deferred({ ok: false, code: 111, detail: `unable to connect to ${sock}: ${errText(e)} (is the scan directory run by hexad svscan?)` });
    }
    return deferred({ ok: true });
  }

  private onSuccess(i: number, up: boolean, ms: number, broadcast: (i: number) => void): void {
    const { db, state, verbosity, out, dryRun } = this.o;
    const s = db.services[i];
    if (dryRun === null) {
      if (i < db.nlong && !s.internal) {
        const down = join(this.serviceDir(i), 'down');
        try {
          if (up) unlinkSync(down);
          else closeSync(openSync(down, C.O_WRONLY | C.O_CREAT | C.O_TRUNC, 0o644));
        } catch (e) {
          if (verbosity) out.warn(`unable to ${up ? 'unlink' : 'touch'} ${down}: ${errText(e)}`);
        }
      }
    }
    state[i] = up ? 1 : 0;
    if (dryRun === null) this.recordState(i);
    if (verbosity >= 2) {
      out.info(`${dryRun !== null ? 'simulation: ' : ''}service ${s.name} successfully ${up ? 'started' : 'stopped'} in ${Math.round(ms)} ms`);
    }
    if (!this.lameDuck) broadcast(i);
  }

  private onFailure(i: number, up: boolean, o: Outcome, pass: number): void {
    const { db, verbosity, out, dryRun } = this.o;
    if (o.ok) return;
    const s = db.services[i];
    if (up && i < db.nlong && !s.internal && dryRun === null) sendDown(this.serviceDir(i));
    if (verbosity) {
      if (o.detail) out.warn(`service ${s.name}: ${o.detail}`);
      out.warn(`unable to ${dryRun !== null ? 'pretend to ' : ''}${up ? 'start' : 'stop'} service ${s.name}: command ${o.crashed ? 'crashed with signal' : 'exited'} ${o.code}`);
    }
    this.failures.push({ i, up, pass, outcome: o, skipped: [] });
  }

  /** The closing summary of a failed change: each failure and what it kept from happening. */
  summary(): string[] {
    const { db } = this.o;
    return this.failures.map((f) => {
      const s = db.services[f.i];
      const o = f.outcome as { code: number; crashed?: boolean };
      const what = `${o.crashed ? 'crashed with signal' : 'command exited'} ${o.code}`;
      const skipped = f.skipped.map((j) => db.services[j].name);
      const tail = skipped.length
        ? `; ${f.up ? 'dependents not started' : 'dependencies not stopped'}: ${skipped.join(' ')}`
        : `; nothing else was held back`;
      return `summary: ${s.name} failed to ${f.up ? 'start' : 'stop'} (${what})${tail}`;
    });
  }
}

function deferred(o: Outcome): Running {
  return { done: new Promise((resolve) => setImmediate(() => resolve(o))), abort: () => {} };
}

