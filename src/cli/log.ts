import { parseLogArgs } from '../log/args.js';
import { runLogger } from '../log/logger.js';
import { settleMemory } from './daemon.js';

export { usage } from '../log/args.js';

export default function main(args: string[], prog: string): Promise<number> {
  const o = parseLogArgs(args, prog);
  settleMemory();
  return runLogger(o);
}
