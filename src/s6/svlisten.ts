// Waiting for services to reach a state, as s6-svwait, s6-svlisten1 and `s6-svc -w` do:
// subscribe to each event/ fifodir first, then read supervise/status, then follow the events
// `d D u U O x`, so that no transition between the read and the wait is missed.
import { join } from 'node:path';
import { Fatal, fatalSys } from './diag.js';
import { FifodirListener, makeFifodir } from './fifodir.js';
import { isUp, readStatus } from './status.js';

export interface WantedState {
  up: boolean;
  ready: boolean;
  /** true: any one service suffices; false: all of them */
  or: boolean;
}

const ALL_DOWN: WantedState = { up: false, ready: false, or: false };

export class SvListener {
  private readonly up: boolean[] = [];
  private readonly ready: boolean[] = [];
  private readonly listeners: FifodirListener[] = [];
  private readonly queue: Array<[number, string]> = [];
  private wake: (() => void) | null = null;

  /** Subscribes to every directory and reads its status; Fatal 111 when that fails. */
  constructor(readonly dirs: readonly string[]) {
    try {
      dirs.forEach((dir, i) => {
        const eventDir = join(dir, 'event');
        try {
          makeFifodir(eventDir, process.getegid!(), false);
        } catch { /* s6 ignores this; the subscription below reports what matters */ }
        let l: FifodirListener;
        try {
          // lazy: a service already in the wanted state is answered without loading `net`
          l = new FifodirListener(eventDir, (bytes) => this.onEvent(i, bytes), true);
        } catch (e) {
          throw fatalSys(111, `subscribe to events for ${dir}`, e);
        }
        this.listeners.push(l);
        let st;
        try {
          st = readStatus(dir);
        } catch (e) {
          throw fatalSys(111, 's6_svstatus_read', e);
        }
        this.up[i] = isUp(st);
        this.ready[i] = st.ready;
      });
    } catch (e) {
      this.close();
      throw e;
    }
  }

  private onEvent(i: number, bytes: string): void {
    for (const c of bytes) if ('DuUdOx'.includes(c)) this.queue.push([i, c]);
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private got(want: WantedState): boolean {
    const n = this.dirs.length;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const ok = (this.up[i] === want.up) && (!want.ready || this.ready[i]);
      if (ok) count++;
    }
    return want.or ? count > 0 : count === n;
  }

  /** s6_svlisten_loop: resolves with the number of services that failed permanently (`O`
   * while waiting for up) or whose supervisor exited (`x`) short of the state. Rejects with
   * Fatal(99, 'timed out') at `deadline` (a Date.now()-style ms value, or Infinity). */
  async wait(want: WantedState, deadline: number): Promise<number> {
    let errors = 0;
    if (this.got(want)) return 0;
    for (;;) {
      while (this.queue.length) {
        const [i, c] = this.queue.shift()!;
        if (c === 'x') {
          if (this.up[i] !== want.up || this.ready[i] !== want.ready) errors++;
          this.up[i] = want.up;
          this.ready[i] = want.ready;
        } else if (c === 'O') {
          if (want.up) {
            this.up[i] = want.up;
            this.ready[i] = want.ready;
            errors++;
          }
        } else {
          const d = 'dDuU'.indexOf(c);
          this.up[i] = (d & 2) !== 0;
          this.ready[i] = (d & 1) !== 0;
        }
        if (this.got(want)) return errors;
      }
      await this.nextEvent(deadline);
    }
  }

  /** -r / -R: first everything down, then the wanted state. */
  async waitRestart(want: WantedState, deadline: number, downFirst: WantedState = ALL_DOWN): Promise<number> {
    const e = await this.wait(downFirst, deadline);
    if (e) return e;
    return this.wait(want, deadline);
  }

  private nextEvent(deadline: number): Promise<void> {
    for (const l of this.listeners) l.listen();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      if (deadline !== Infinity) {
        timer = setTimeout(() => {
          this.wake = null;
          reject(new Fatal(99, 'timed out'));
        }, Math.max(0, deadline - Date.now()));
      }
      this.wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  close(): void {
    for (const l of this.listeners) l.close();
    this.listeners.length = 0;
  }
}

/** s6-svlisten1: subscribe to one service, run `act` (send commands, start a program), then
 * wait for the state; with `restart`, for down-and-ready first. Fatal(1) when the service
 * failed permanently or its supervisor died, Fatal(99) at the deadline. */
export async function listenOne(dir: string, want: { up: boolean; ready: boolean }, restart: boolean, deadline: number, act: () => void | Promise<void>): Promise<void> {
  const listener = new SvListener([dir]);
  try {
    await act();
    const w = { ...want, or: true };
    const e = restart ? await listener.waitRestart(w, deadline, { up: false, ready: true, or: true }) : await listener.wait(w, deadline);
    if (e) throw new Fatal(1, `${dir} failed permanently or its supervisor died`);
  } finally {
    listener.close();
  }
}

/** A deadline in Date.now() ms from a timeout in ms (0 = none). */
export const deadlineAfter = (ms: number): number => (ms ? Date.now() + ms : Infinity);
