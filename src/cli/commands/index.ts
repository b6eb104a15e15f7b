import type { Command } from 'commander';
import { define as analyze } from './analyze.js';
import { define as approve } from './approve.js';
import { define as aws } from './aws.js';
import { define as control } from './control.js';
import { define as demo } from './demo.js';
import { define as history } from './history.js';
import { define as load } from './load.js';
import { define as proxy } from './proxy.js';
import { define as run } from './run.js';
import { define as server } from './server.js';
import { define as status } from './status.js';
import { define as token } from './token.js';
import { define as validate } from './validate.js';
import { define as watch } from './watch.js';

/**
 * Every verb of the CLI. Each module declares its command and flags in `define` and imports its heavy
 * implementation lazily inside the action.
 */
export const COMMANDS: Array<(program: Command) => void> = [
  demo,
  run,
  status,
  history,
  control,
  approve,
  proxy,
  load,
  validate,
  watch,
  analyze,
  server,
  token,
  aws,
];
