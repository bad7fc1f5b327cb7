import { getopt, UsageError } from './getopt.js';
import { ContainerInit } from '../init/init.js';
import { parseListenAddress } from '../http/address.js';
import { Fatal } from '../s6/diag.js';

export const usage = '[ --root dir ] [ --http [host:]port|socket [ --http-token-file file ] ] [ -- cmd args... ]';

export default async function main(args: string[]): Promise<number> {
  // options end at the first non-option: everything after is CMD (with or without `--`)
  const { opts, rest } = getopt(args, 'r:', [{ name: 'root', arg: true, key: 'r' }, { name: 'http', arg: true }, { name: 'http-token-file', arg: true }]);
  let root = '/';
  let address: string | undefined, tokenFile: string | undefined;
  for (const [o, v] of opts) {
    if (o === 'r' && v) root = v;
    else if (o === 'http' && v) address = v;
    else if (o === 'http-token-file' && v) tokenFile = v;
    else throw new UsageError();
  }
  if (tokenFile !== undefined && address === undefined) throw new Fatal(100, '--http-token-file needs --http');
  // a malformed address is refused before anything starts
  if (address !== undefined) parseListenAddress(address);
  const init = new ContainerInit({ root, cmd: rest, http: address === undefined ? undefined : { address, tokenFile } });
  return init.run();
}
