// Run by bench/http.ts as its own process: a Scanner with the HTTP server in this process (none
// when the socket argument is `-`), and perf_hooks.monitorEventLoopDelay watching its loop. Prints `ready` once serving; on SIGUSR1
// resets the histogram, on SIGUSR2 prints `p50 p99 max` (ms) and restarts every service once;
// stops on SIGTERM.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { KILL, Scanner } from '../../src/svscan/scanner.js';
import { startHttpServer } from '../../src/http/server.js';

const [scandir, sock] = process.argv.slice(2);
process.chdir(scandir);
const h = monitorEventLoopDelay({ resolution: 5 });
const scanner = new Scanner({ prog: 'bench', warn: () => {}, maxServices: 5000, rescanMs: 0, onStopped: () => process.exit(0) });
if (sock !== '-') await startHttpServer(scanner, { address: sock });
scanner.init();
scanner.start();
h.enable();
process.on('SIGUSR1', () => h.reset());
process.on('SIGUSR2', () => {
  const f = (ns: number): string => (ns / 1e6).toFixed(2);
  process.stdout.write(`${f(h.percentile(50))} ${f(h.percentile(99))} ${f(h.max)}\n`);
});
process.on('SIGHUP', () => {
  for (const s of scanner.supervisors()) s.sup.command('ur');
});
process.on('SIGTERM', () => scanner.stop(true, KILL.term));
process.stdout.write('ready\n');
