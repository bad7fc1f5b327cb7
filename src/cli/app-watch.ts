// hexad app-watch SPEC.json: the watcher service of one app (see config/watcher.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './getopt.js';
import { realClock, schedule, watchFiles, type WatchSpec } from '../config/watcher.js';
import { hexad } from '../config/runtime.js';
import { usageOf } from '../status/proc.js';
import { isUp, readStatus } from '../s6/status.js';
import { settleMemory } from './daemon.js';

export const usage = 'spec.json';

export default function main(args: string[]): void {
  if (args.length !== 1) throw new UsageError();
  const spec = JSON.parse(readFileSync(args[0], 'utf8')) as WatchSpec;
  const svc = join(spec.scan, spec.app);
  const say = (m: string): void => { process.stdout.write(`hexad app-watch ${spec.app}: ${m}\n`); };
  const act = async (why: string): Promise<void> => {
    say(why);
    if (spec.kind === 'oneshot') {
      await hexad(['rc', '-l', spec.live, '-d', 'change', spec.app]);
      await hexad(['rc', '-l', spec.live, '-u', 'change', spec.app]);
    } else if (spec.reloadSock) {
      await hexad(['einhornsh', '-d', spec.reloadSock, '-e', 'upgrade']);
    } else {
      await hexad(['svc', '-r', svc]);
    }
  };
  if (spec.watch) watchFiles(spec.watch, (f) => void act(`changed: ${f}: ${spec.reloadSock ? 'rolling reload' : 'restart'}`));
  if (spec.cron) schedule(spec.cron, realClock, () => void act(`cron ${spec.cron}`));
  if (spec.maxMemory) {
    const limit = spec.maxMemory;
    // the only poll: for apps that set maxMemoryRestart, every 5 s
    setInterval(() => {
      let pid = 0;
      try { const st = readStatus(svc); if (isUp(st)) pid = st.pid; } catch { return; }
      if (pid <= 1) return;
      void usageOf([pid], 50).then((u) => {
        const m = u.get(pid)?.memory ?? 0;
        if (m > limit) void act(`memory ${m} > ${limit}: restart`);
      });
    }, 5000);
  }
  settleMemory();
}
