import type { Command } from 'commander';

/**
 * `chimera analyze`: the analyzer as a streaming filter. NDJSON batches on stdin, one NDJSON decision per line
 * on stdout; many streams interleaved by `id`. See docs/analysis.md.
 */
export function define(program: Command): void {
  program
    .command('analyze')
    .description('Read NDJSON measurement batches on stdin and write one NDJSON decision per line')
    .option('--alpha <p>', 'false-rollback probability allowed (default 0.01)')
    .option('--mode <mode>', 'sequential | threshold | compare (default sequential)')
    .option('--max-error-rate <rate>', 'hard limit on the canary error rate: a fraction (0.05) or a percentage (5%)')
    .option('--max-p99-latency <ms>', 'hard limit on the canary p99 latency in milliseconds')
    .option('--tolerance <x>', 'relative error-rate margin for "healthy" (default 0.5: canary ≤ 1.5 × baseline)')
    .option(
      '--latency-tolerance <x>',
      'share of slow requests (past the baseline p99 bucket) allowed beyond the baseline: rolled back only past it (default 0.2)',
    )
    .option(
      '--latency-absolute-tolerance <rate>',
      'absolute slack on that share for "healthy": a fraction or a percentage (default 1%)',
    )
    .option('--min-requests <n>', 'canary requests needed before a verdict other than rollback (default 50)')
    .option(
      '--error-cluster-size <n>',
      'largest group of errors that can hit one version together; each error then weighs 1/n (default 1)',
    )
    .addHelpText(
      'after',
      '\nInput line:  {"id":"s1","t":12.5,"canary":{"requests":10,"errors":1},"baseline":{"requests":90,"errors":0}}\n' +
        'Output line: {"id":"s1","t":12.5,"decision":"continue","reason":"…","evidence":{…}}',
    )
    .action(async (flags: Record<string, string | undefined>) => {
      const { optionsFromFlags, analyzeStream } = await import('../../analysis/stream.js');
      const options = optionsFromFlags(flags);
      await analyzeStream(process.stdin, process.stdout, options);
    });
}
