// A service whose `run` a supervisor carries out inside its own process instead of spawning
// it (the scanner hosts hexad's logger this way). The supervisor treats it as a child whose
// pid is its own: it is started, signalled and reported on exactly as a process would be, but
// a signal goes to `signal()`, never to the pid, and its end comes through `exit()`.
import type { Stdio } from './supervisor.js';

export interface HostedRun {
  /** a signal number the supervisor would have sent to the process */
  signal(sig: number): void;
}

export interface HostedContext {
  /** the service directory */
  dir: string;
  stdio: Stdio;
  /** readiness, as a newline on notification-fd would report it */
  ready(): void;
  /** the run ended: a wait status as waitpid gives it (exit code << 8, or the signal) */
  exit(wstat: number): void;
}

/** Starts the work now; it ends through `ctx.exit` (never synchronously from here). */
export type HostedStarter = (ctx: HostedContext) => HostedRun;

/** Decides at each start whether the service in `dir` runs hosted: a starter, or null to
 * spawn `run` as usual. */
export type HostedChooser = (dir: string) => HostedStarter | null;
