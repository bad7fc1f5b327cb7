import { getopt, UsageError } from './getopt.js';
import { ContainerInit } from '../init/init.js';

export const usage = '[ --root dir ] [ -- cmd args... ]';

export default async function main(args: string[]): Promise<number> {
  // options end at the first non-option: everything after is CMD (with or without `--`)
  const { opts, rest } = getopt(args, 'r:', [{ name: 'root', arg: true, key: 'r' }]);
  let root = '/';
  for (const [o, v] of opts) {
    if (o === 'r' && v) root = v;
    else throw new UsageError();
  }
  const init = new ContainerInit({ root, cmd: rest });
  return init.run();
}
