import { resolve } from 'node:path';
import { defaultHome } from '../node/index.ts';

/** --home flag > CMT_HOME > ~/.cybermiles */
export function resolveHome(flag: string | undefined): string {
  // an empty CMT_HOME counts as unset, like every other CMT_* variable
  return resolve(flag || process.env.CMT_HOME || defaultHome());
}
