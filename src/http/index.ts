// The HTTP server's public API: what `hexad svscan --http`, `hexad up` and `hexad init` use.
export { startHttpServer, type HttpOptions, type HttpServer } from './server.js';
export { parseListenAddress, formatAddress, type ListenAddress } from './address.js';
export { ServiceHub, type LiveRow, type HubEvent } from './hub.js';
export type { LoggerCounters, LoggerCounterSource } from './metrics.js';
export type { EventStreamOptions } from './events.js';
