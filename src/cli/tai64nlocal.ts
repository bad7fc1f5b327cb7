import { getopt } from './getopt.js';
import { runTai64nLocal } from '../log/tai64nlocal.js';

export const usage = '[ -g ]';

export default function main(args: string[]): Promise<number> {
  const { opts } = getopt(args, 'g');
  return runTai64nLocal(!opts.some(([o]) => o === 'g'));
}
