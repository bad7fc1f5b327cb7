// An HTTP server made to run under `hexad einhorn` (or einhorn): it serves on the sockets the
// master passes, tells the master when it is ready, and drains on SIGUSR2 so that an upgrade
// drops no request. Edit VERSION, then `hexad einhornsh -c hexad-example -e upgrade`.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { ack, childIndex, gracefulShutdown, listenAll } from 'hexad/child';

const version = readFileSync(new URL('./VERSION', import.meta.url), 'utf8').trim();
const started = new Date().toISOString();

const servers = await listenAll(() =>
  http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(`${JSON.stringify({ version, pid: process.pid, worker: childIndex(), started })}\n`);
  }),
);
// SIGUSR2 (einhorn's "please stop") or SIGTERM: finish what is in flight, then exit
gracefulShutdown(servers);
// with -m manual, the master counts this worker as up from here on
await ack();
