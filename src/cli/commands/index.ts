import type { Command } from 'commander';
import { define as analyze } from './analyze.js';

/**
 * Every verb of the CLI. Each module declares its command and flags in `define` and imports its heavy
 * implementation lazily inside the action.
 */
export const COMMANDS: Array<(program: Command) => void> = [analyze];
