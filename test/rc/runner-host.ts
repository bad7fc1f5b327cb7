// A stand-in for hexad svscan's runner in tests that run on Debian's s6-svscan: hosts an
// OneshotRunner on the given socket until SIGTERM.
import { OneshotRunner } from '../../src/svscan/oneshot-runner.js';

// `node --test dist/test/` runs every file under test/: without a socket path there is nothing to host
if (!process.argv[2]) process.exit(0);
const runner = new OneshotRunner(process.argv[2], (m) => process.stderr.write(`runner-host: warning: ${m}\n`));
runner.start();
process.stdout.write('ready\n');
const keep = setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => {
  runner.close();
  clearInterval(keep);
  process.exit(0);
});
