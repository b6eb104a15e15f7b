import type { Command } from 'commander';

export interface ValidateOptions {
  file: string;
  json?: boolean;
}

/**
 * `chimera validate -f FILE [--json]`: checks every Canary document of a spec file and reports every problem
 * as `file:line:col: path: message` (exit 2), or `ok: 2 canary spec(s) valid: checkout, payments`.
 */
export function define(program: Command): void {
  program
    .command('validate')
    .description('check a canary spec file and report every problem with its line:column')
    .option('-f, --file <path>', 'spec file', 'chimera.yaml')
    .option('--json', 'print {"valid","specs","issues"} as JSON')
    .action(async (opts: ValidateOptions) => {
      const [{ loadSpecFile }, { ConfigError, ExitError }] = await Promise.all([
        import('../../spec/load.js'),
        import('../../errors.js'),
      ]);
      try {
        const specs = await loadSpecFile(opts.file);
        const names = specs.map((s) => s.spec.metadata.name);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ valid: true, specs: names, issues: [] }) + '\n');
        } else {
          process.stdout.write(`ok: ${names.length} canary spec(s) valid: ${names.join(', ')}\n`);
        }
      } catch (err) {
        // Human output goes through the CLI's single catch; JSON output is printed here and only the exit
        // code travels up, so the problems are not printed twice.
        if (!opts.json || !(err instanceof ConfigError)) throw err;
        const issues =
          err.issues.length > 0
            ? err.issues.map(({ path, line, column, message }) => ({ path, line, column, message }))
            : [{ path: '', message: err.message }];
        process.stdout.write(JSON.stringify({ valid: false, specs: [], issues }) + '\n');
        throw new ExitError(err.exitCode);
      }
    });
}
