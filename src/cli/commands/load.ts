import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { parseDuration } from '../../spec/units.js';

export function define(program: Command): void {
  program
    .command('load')
    .description('Send a steady rate of HTTP requests (open loop) and print what came back')
    .requiredOption('--url <url>', 'target, e.g. http://127.0.0.1:8080/')
    .option('--rps <n>', 'requests per second', '50')
    .option('--duration <duration>', 'how long, e.g. 30s (until Ctrl-C when absent)')
    .option('--concurrency <n>', 'most requests in flight at once')
    .option('--json', 'print the result as one JSON document')
    .action(async (opts: { url: string; rps: string; duration?: string; concurrency?: string; json?: boolean }) => {
      const rps = Number(opts.rps);
      const durationMs = opts.duration === undefined ? undefined : parseDuration(opts.duration);
      if (durationMs === undefined && opts.duration !== undefined) {
        throw new ConfigError(`--duration: expected a duration like 30s, got '${opts.duration}'`);
      }
      const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
        throw new ConfigError(`--concurrency: expected a positive integer, got '${opts.concurrency}'`);
      }
      const { startLoad } = await import('../../loadgen/index.js');
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      const stats = await startLoad({ url: opts.url, rps, durationMs, concurrency, signal: ac.signal }).done;
      if (opts.json) {
        process.stdout.write(JSON.stringify(stats) + '\n');
        return;
      }
      const c = stats.byClass;
      process.stdout.write(
        `sent ${stats.sent} in ${(stats.elapsedMs / 1000).toFixed(1)}s: 2xx ${c['2xx']}, 3xx ${c['3xx']}, 4xx ${c['4xx']}, ` +
          `5xx ${c['5xx']}, failed ${stats.failed}, skipped ${stats.skipped}; ` +
          `latency mean ${stats.latencyMeanMs.toFixed(1)} ms, max ${stats.latencyMaxMs.toFixed(1)} ms\n`,
      );
    });
}
