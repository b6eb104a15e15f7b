import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { parseDuration } from '../../spec/units.js';

/** Milliseconds in a `--flag 5s` value; a ConfigError naming the flag otherwise. */
function durationFlag(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new ConfigError(`${flag}: expected a duration like 500ms, 5s or 2m, got '${value}'`);
  return ms;
}

export function define(program: Command): void {
  program
    .command('proxy')
    .description('Run the built-in weighted proxy (its own process; the router starts it when needed)')
    .requiredOption('--listen <host:port>', 'address for user traffic')
    .requiredOption('--admin <host:port>', 'address for /metrics, /healthz and the admin API')
    .requiredOption('--state <file>', 'routes are persisted here and loaded at start')
    .option('--token-file <file>', 'admin bearer token (created with mode 0600 if missing)')
    .option('--token-env <name>', 'read the admin token from this environment variable (default CHIMERA_PROXY_TOKEN)')
    .option('--service <name>', 'service name for metric labels and /healthz')
    .option('--pid-file <file>', 'write the process id here')
    .option('--connect-timeout <duration>', 'upstream connect timeout', '5s')
    .option('--upstream-timeout <duration>', 'upstream response timeout (headers, and between body chunks)', '60s')
    .option('--engine <engine>', 'raw (HTTP/1.1 on raw sockets, fastest) or node (Node http + undici)', 'raw')
    .action(async (opts: Record<string, string | undefined>) => {
      if (opts.engine !== 'raw' && opts.engine !== 'node') {
        throw new ConfigError(`--engine: expected raw or node, got '${opts.engine}'`);
      }
      const { runProxyProcess } = await import('../../proxy/run.js');
      await runProxyProcess({
        listen: opts.listen!,
        admin: opts.admin!,
        state: opts.state!,
        tokenFile: opts.tokenFile,
        tokenEnv: opts.tokenEnv,
        service: opts.service,
        pidFile: opts.pidFile,
        connectTimeoutMs: durationFlag(opts.connectTimeout ?? '5s', '--connect-timeout'),
        upstreamTimeoutMs: durationFlag(opts.upstreamTimeout ?? '60s', '--upstream-timeout'),
        engine: opts.engine,
      });
    });
}
