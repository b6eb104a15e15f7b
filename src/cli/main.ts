import { Command, CommanderError } from 'commander';
import { CanaryError, ConfigError, ExitError } from '../errors.js';
import { formatConfigError } from './output.js';
import { COMMANDS } from './commands/index.js';

/**
 * The CLI's single entry point and its single top-level catch: every error becomes a message and an exit code
 * here. Commands define their flags eagerly (cheap) and import their implementation lazily inside the action,
 * so `chimera validate` never loads the AWS SDK.
 */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('chimera')
    .description('Automated canary deployments: safe, fast to decide, honest about why.')
    .version(process.env.npm_package_version ?? '0.1.0')
    // Root options only before the verb, so `chimera run --version 2.0` means the version to roll out.
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();
  for (const define of COMMANDS) define(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version exit 0; a bad flag or argument is bad input: 2. Commander already printed the message.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof ExitError) return err.exitCode;
  if (err instanceof ConfigError) {
    process.stderr.write(formatConfigError(err) + '\n');
    return err.exitCode;
  }
  if (err instanceof CanaryError) {
    process.stderr.write(`error: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(
    `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n` +
      'This is a bug in Chimera; please report it.\n',
  );
  return 70;
}
