// hexad init: a container's PID 1 with s6-overlay v3's three stages. Stage 1 checks the S6_*
// variables and the root, saves the container environment and starts the supervision tree
// (an in-process svscan on run/service, reaping every orphan); stage 2 runs cont-init.d, the
// s6-rc `user` bundle (then user-bundles.d), services.d, `user2`, then CMD; stage 3 (CMD exited,
// or TERM/INT/…) brings it all down and exits with CMD's code.
import { existsSync, mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync, chmodSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readdirSync } from 'node:fs';
import { tryLockFile } from '../s6/lockfile.js';
import { rmrf } from '../s6/tree.js';
import { Fatal, errText, fatalSys } from '../s6/diag.js';
import { Scanner } from '../svscan/scanner.js';
import { KILL } from '../svscan/scanner.js';
import { becomeSubreaper, listenForChildren, reapsOrphans } from '../supervise/reaper.js';
import { envList, minimalEnv, saveContainerEnv } from './contenv.js';
import { layout, type Layout } from './layout.js';
import { start, type Exit, type Running } from './procs.js';
import { bringUp, compileAndInit, extraBundles, hexadTool, type ToolRunner } from './rc-stage.js';
import { readSettings, type InitSettings } from './settings.js';
import { finalExitCode, stage3 } from './shutdown.js';
import { installLegacyServices, lookPath, runScripts, type ScriptContext } from './stages.js';
import { startCatchAllLogger, type CatchAll } from './catch-all.js';

export interface InitOptions {
  root: string;
  cmd: string[];
  /** serve metrics, the status API and the dashboard from the init process (src/http) */
  http?: { address: string; tokenFile?: string };
}

/** Signals that start stage 3: s6-linux-init's halt (USR1), poweroff (USR2, PWR), reboot
 * (TERM, INT: ctrl-alt-del) all end a container; QUIT too. HUP makes the scanner rescan. */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGPWR'] as const;

export type Phase = 'starting' | 'running' | 'stopping';

export class ContainerInit {
  readonly layout: Layout;
  readonly settings: InitSettings;
  private readonly containerEnv: NodeJS.ProcessEnv;
  private readonly cwd = process.cwd();
  private cmdPath: string | null = null;
  private scanner: Scanner | null = null;
  private scannerStopped: Promise<void> | null = null;
  private cmd: Running | null = null;
  private stopping: Promise<number> | null = null;
  private stage2Failed = false;
  private tools!: ToolRunner;
  private scripts!: ScriptContext;
  private catchAll: CatchAll | null = null;
  private cmdStdio = [0, 1, 2];

  /** Stage 1 checks: everything that can be wrong with the input fails here, before anything runs. */
  constructor(private readonly opts: InitOptions, env: NodeJS.ProcessEnv = process.env) {
    this.settings = readSettings(env);
    this.containerEnv = { ...env };
    const root = resolve(opts.root);
    this.layout = layout(root);
    if (!existsSync(root)) throw new Fatal(100, `root directory ${root} does not exist`);
    const l = this.layout;
    const cmd = [...this.settings.cmdArg0, ...opts.cmd];
    if (cmd.length) {
      this.cmdPath = lookPath(cmd[0], env.PATH, this.cwd);
      if (!this.cmdPath) throw new Fatal(127, `unable to run CMD ${cmd[0]}: not found or not executable`);
    } else if (![l.contInit, l.rcSource, l.servicesD].some((p) => existsSync(p))) {
      throw new Fatal(100, `nothing to run: ${root} has no etc/cont-init.d, etc/s6-overlay/s6-rc.d or etc/services.d, and no CMD was given`);
    }
  }

  private say(level: number, kind: string, m: string): void {
    if (this.settings.verbosity >= level) {
      try { writeSync(2, `hexad init: ${kind}: ${m}\n`); } catch { /* no stderr */ }
    }
  }
  info = (m: string): void => this.say(2, 'info', m);
  warn = (m: string): void => this.say(1, 'warning', m);

  /** Runs the container to its end; resolves with the exit code. */
  async run(): Promise<number> {
    const l = this.layout;
    const s = this.settings;
    if (process.pid !== 1) {
      try {
        becomeSubreaper();
      } catch (e) {
        throw fatalSys(111, 'become a child subreaper', e);
      }
    }
    listenForChildren();
    try {
      mkdirSync(l.run, { recursive: true });
      // one init per root; what a previous one left in run/ (a real container starts with an
      // empty /run) is removed
      const lockFd = tryLockFile(join(l.run, 'hexad-init.lock'), 0o600);
      if (lockFd === null) throw new Fatal(100, `another hexad init is running on ${l.root}`);
      cleanRun(l);
      mkdirSync(l.scanDir, { recursive: true });
      mkdirSync(dirname(l.exitcodeFile), { recursive: true });
      rmSync(l.exitcodeFile, { force: true });
      rmSync(l.readyFile, { force: true });
      saveContainerEnv(l.containerEnv, this.containerEnv);
      mkdirSync(dirname(l.haltProgram), { recursive: true });
      // scripts stop the container with it, as with s6-overlay's /run/s6/basedir/bin/halt
      writeFileSync(l.haltProgram, `#!/bin/sh\nexec kill -TERM ${process.pid}\n`);
      chmodSync(l.haltProgram, 0o755);
    } catch (e) {
      if (e instanceof Fatal) throw e;
      throw fatalSys(111, `set up ${l.run}${s.readOnlyRoot ? ' (S6_READ_ONLY_ROOT=1 needs a writable run/)' : ''}`, e);
    }
    this.writeState('starting');
    for (const sig of STOP_SIGNALS) process.on(sig, () => this.onStopSignal(sig));
    process.on('SIGHUP', () => this.scanner?.scan());
    process.on('SIGPIPE', () => { /* ignored */ });
    if (!s.keepEnv) {
      const min = minimalEnv(this.containerEnv, l.root);
      for (const k of Object.keys(process.env)) delete process.env[k];
      Object.assign(process.env, min);
    } else if (l.root !== '/') {
      process.env.HEXAD_INIT_ROOT = l.root;
    }
    const treeEnv = envList(process.env);
    if (s.logging > 0) {
      this.catchAll = startCatchAllLogger(l.uncaughtLogs, s.loggingScript, treeEnv);
      // CMD keeps the container's stdout and stderr unless S6_LOGGING=2
      if (s.logging === 1) this.cmdStdio = [0, this.catchAll.origOut, this.catchAll.origErr];
    }
    this.tools = { env: treeEnv, stdio: [0, 1, 2], verbosity: s.verbosity };
    this.scripts = { env: treeEnv, stdio: [0, 1, 2], cwd: l.root, info: this.info, warn: this.warn };
    await this.startScanner();
    const ok = await this.stage2();
    if (this.stopping) return this.stopping;
    if (!ok) return this.shutdown();
    this.writeState('running');
    writeFileSync(l.readyFile, `${process.pid}\n`);
    if (!this.cmdPath) {
      this.info('stage 2 complete: no CMD, running until told to stop');
      return new Promise<number>(() => { /* until a stop signal: shutdown() resolves the process */ }).then(() => 0);
    }
    return this.runCmd();
  }

  private async startScanner(): Promise<void> {
    const l = this.layout;
    try {
      process.chdir(l.scanDir);
    } catch (e) {
      throw fatalSys(111, `chdir to ${l.scanDir}`, e);
    }
    let stopped!: () => void;
    this.scannerStopped = new Promise<void>((r) => { stopped = r; });
    this.scanner = new Scanner({ prog: 'hexad supervise', warn: this.warn, maxServices: 1000, rescanMs: 0, onStopped: () => stopped() });
    if (this.opts.http) {
      // loaded only when asked, and listening before any service starts (an address in use stops init here)
      const { startHttpServer } = await import('../http/server.js');
      await startHttpServer(this.scanner, { ...this.opts.http, scandir: l.scanDir });
    }
    this.scanner.init();
    this.scanner.start();
  }

  /** Stage 2 in s6-overlay's order; false when a failure must stop the container. */
  private async stage2(): Promise<boolean> {
    const l = this.layout;
    const s = this.settings;
    const deadline = s.cmdWaitForServicesMaxtime ? Date.now() + s.cmdWaitForServicesMaxtime : 0;
    const left = (): number => (deadline ? Math.max(1, deadline - Date.now()) : 0);
    if (s.stage2Hook) {
      this.info('running S6_STAGE2_HOOK');
      const e = await runToEndShell(s.stage2Hook, this.scripts);
      if (e.code && !this.failed(`S6_STAGE2_HOOK exited ${e.code}`)) return false;
    }
    if (this.stopping) return true;
    const fails = await runScripts('cont-init', l.contInit, this.scripts, { stopOnFailure: s.behaviourIfStage2Fails === 2, maxMs: 0 });
    for (const f of fails) if (!this.failed(`${f.path} exited ${f.exit.code}`)) return false;
    if (this.stopping) return true;
    if (existsSync(l.rcSource)) {
      this.info('starting the s6-rc user bundle');
      const rcFail = await compileAndInit(l, this.tools);
      if (rcFail && !this.failed(`${rcFail.step} failed (exit ${rcFail.exit.code})`)) return false;
      if (!rcFail) {
        for (const bundle of ['user', ...extraBundles(l)]) {
          if (this.stopping) return true;
          const f = await bringUp(l, bundle, this.tools, left());
          if (f && !this.failed(`${f.step} ${f.exit.timedOut ? 'timed out' : `failed (exit ${f.exit.code})`}`)) return false;
        }
      }
    }
    if (this.stopping) return true;
    const legacy = installLegacyServices(l);
    if (legacy.length) {
      this.info(`starting services.d: ${legacy.length} service(s)`);
      this.scanner?.scan();
      // s6-overlay waits for them to be up; with S6_CMD_WAIT_FOR_SERVICES, ready
      const args = ['svwait', s.cmdWaitForServices ? '-U' : '-u'];
      if (deadline) args.push('-t', String(left()));
      const e = await hexadTool([...args, ...legacy], this.tools);
      if (e.code && !this.failed(`services.d services did not come ${s.cmdWaitForServices ? 'ready' : 'up'} (svwait exit ${e.code})`)) return false;
    }
    if (existsSync(l.rcSource) && !this.stopping) {
      const f = await bringUp(l, 'user2', this.tools, left());
      if (f && !this.failed(`${f.step} failed (exit ${f.exit.code})`)) return false;
    }
    return true;
  }

  /** A stage 2 failure, handled per S6_BEHAVIOUR_IF_STAGE2_FAILS; true to go on. */
  private failed(what: string): boolean {
    // a step cut short by stage 3 (a stop signal during start-up) is not a failure
    if (this.stopping) return true;
    this.stage2Failed = true;
    const b = this.settings.behaviourIfStage2Fails;
    if (b === 0) return true;
    if (b === 1) {
      this.warn(`stage 2 failed: ${what}: going on (S6_BEHAVIOUR_IF_STAGE2_FAILS=1)`);
      return true;
    }
    this.say(0, 'fatal', `stage 2 failed: ${what}: stopping the container`);
    return false;
  }

  private async runCmd(): Promise<number> {
    const argv = [...this.settings.cmdArg0, ...this.opts.cmd];
    this.info(`starting CMD: ${argv.join(' ')}`);
    // CMD gets the container environment, in the directory init was started in
    this.cmd = start(this.cmdPath!, argv, { cwd: this.cwd, env: envList(this.containerEnv), stdio: this.cmdStdio });
    const e = await this.cmd.done;
    this.cmd = null;
    this.info(`CMD exited ${e.signal ? `on signal ${e.signal}` : e.code}`);
    if (!this.stopping) writeAtomic(this.layout.exitcodeFile, `${e.code}\n`);
    return this.shutdown();
  }

  private onStopSignal(sig: string): void {
    if (this.cmd && this.settings.cmdReceiveSignals && !this.stopping) {
      // S6_CMD_RECEIVE_SIGNALS: CMD decides; its exit starts stage 3
      try { process.kill(this.cmd.pid, sig); } catch { /* exiting */ }
      return;
    }
    if (this.stopping) {
      this.info(`${sig} received: already stopping (grace times are kept)`);
      return;
    }
    this.info(`${sig} received: starting stage 3`);
    void this.shutdown();
  }

  /** Stage 3, once; resolves with the exit code, and ends the process. */
  shutdown(): Promise<number> {
    this.stopping ??= this.stage3().then((code) => {
      process.exit(code);
    }) as Promise<never>;
    return this.stopping;
  }

  private async stage3(): Promise<number> {
    const l = this.layout;
    rmSync(l.readyFile, { force: true });
    this.writeState('stopping');
    const spare = new Set<number>(this.catchAll ? [this.catchAll.pid] : []);
    await stage3({
      settings: this.settings,
      layout: l,
      tools: this.tools,
      scripts: this.scripts,
      spare,
      stopScanner: () => {
        this.scanner?.stop(true, KILL.term);
        return this.scannerStopped ?? Promise.resolve();
      },
    });
    const code = finalExitCode(l, this.stage2Failed && this.settings.behaviourIfStage2Fails === 2 ? 1 : 0);
    this.info(`exiting with code ${code}`);
    if (this.catchAll) await this.catchAll.close(2000);
    rmSync(l.stateFile, { force: true });
    return code;
  }

  private writeState(phase: Phase): void {
    writeAtomic(this.layout.stateFile, JSON.stringify({ pid: process.pid, phase, subreaper: reapsOrphans() }) + '\n');
  }
}

/** The run-time state of a previous init on this root. */
function cleanRun(l: Layout): void {
  rmrf(l.scanDir);
  for (const p of [l.rcCompiled, l.rcMergedSource, l.legacyServices, l.readyFile, l.stateFile]) rmrf(p);
  const runDir = dirname(l.rcLive);
  const live = basename(l.rcLive);
  for (const n of readdirSync(runDir)) if (n === live || n.startsWith(`${live}:`)) rmrf(join(runDir, n));
}

function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp.${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* not written */ }
    process.stderr.write(`hexad init: warning: unable to write ${path}: ${errText(e)}\n`);
  }
}

async function runToEndShell(excerpt: string, ctx: ScriptContext): Promise<Exit> {
  const { runToEnd } = await import('./procs.js');
  return runToEnd('/bin/sh', ['sh', '-c', excerpt], { cwd: ctx.cwd, env: ctx.env, stdio: ctx.stdio });
}
