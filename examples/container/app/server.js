// The example API: listens on $PORT (8080), then tells its supervisor it is ready (fd 3).
const http = require('node:http');
const fs = require('node:fs');
const server = http.createServer((req, res) => res.end('ok\n'));
server.listen(Number(process.env.PORT ?? 8080), () => {
  console.log(`api: listening on ${server.address().port}`);
  try { fs.writeSync(3, '\n'); fs.closeSync(3); } catch { /* not supervised with readiness */ }
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
