/**
 * Throughput of `chimera analyze`: generates N NDJSON lines (many interleaved streams), pipes them through the
 * real CLI as a child process and reports lines per second.
 *
 *   npx tsx bench/analysis/analyze-throughput.ts [lines=1000000] [streams=1000]
 *
 * The input: every stream sends 10 canary and 90 baseline requests per line (one stream in ten failing), and about
 * one line in a thousand is malformed. `INPUT=varied` uses the seeded input of analyze-input.ts instead (streams
 * of different traffic, latency histograms, odd spacing, many malformed kinds): fewer repeated counts, so the
 * caches of the analyzer help less.
 *
 * Uses dist/ (`npm run build`; or the directory in CHIMERA_DIST, or several comma-separated ones to compare
 * builds side by side) when it exists, else runs the TypeScript through tsx. Prints JSON and a table: lines per
 * second of wall time and of CPU time, and µs of CPU per line; with ROUNDS > 1, medians per build as well.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rng } from '../../src/testing/analysis-sim.js';
import { analyzeInput } from './analyze-input.js';

const lines = Number(process.argv[2] ?? 1_000_000);
const streams = Number(process.argv[3] ?? 1000);
const root = fileURLToPath(new URL('../../', import.meta.url));

// The input: each stream a canary at 10 % of 100 requests per batch; one stream in ten fails 5 %; one line in
// 1000 malformed (answered with an error line).
const MALFORMED = [
  'not json',
  '{"id":"s1","t":1,"canary":{"requests":10,"errors":11},"baseline":{"requests":90,"errors":0}}',
  '',
  '{"id":"s2","canary":{"requests":10}}',
];
function regularInput(): string {
  const r = rng(1);
  const parts: string[] = [];
  for (let i = 0; i < lines; i++) {
    const id = `s${i % streams}`;
    const bad = i % streams < streams / 10;
    const ce = r() < (bad ? 0.5 : 0.01) ? 1 : 0;
    const be = r() < 0.09 ? 1 : 0;
    parts.push(
      i % 1000 === 999
        ? MALFORMED[((i / 1000) % MALFORMED.length) | 0]!
        : `{"id":"${id}","t":${Math.floor(i / streams)},"canary":{"requests":10,"errors":${ce}},"baseline":{"requests":90,"errors":${be}}}`,
    );
  }
  return parts.join('\n') + '\n';
}
const varied = process.env.INPUT === 'varied';
const input = varied ? analyzeInput(lines, streams) : regularInput();
// SAVE_INPUT=file writes the input out (for `cmp` of two builds' outputs, or a CPU profile of the CLI on it).
if (process.env.SAVE_INPUT) writeFileSync(process.env.SAVE_INPUT, input);

const dir = mkdtempSync(join(tmpdir(), 'chimera-bench-'));
// CHIMERA_DIST may list several builds (comma-separated, e.g. before and after a change): each runs on the same
// input, in turn, `ROUNDS` times (default 1), so a noisy shared machine affects them alike.
const dists = (process.env.CHIMERA_DIST ?? join(root, 'dist')).split(',');
const rounds = Number(process.env.ROUNDS ?? 1);

interface Run {
  runtime: string;
  lines: number;
  streams: number;
  outputLines: number;
  exitCode: number | null;
  seconds: number;
  linesPerSecond: number;
  cpuSeconds: number | null;
  linesPerCpuSecond: number | null;
  cpuMicrosecondsPerLine: number | null;
  startupSeconds: number | null;
  loadAverage1m: number;
}

async function run(dist: string, n: number): Promise<Run> {
  const built = existsSync(join(dist, 'cli/main.js'));
  const entry = join(dir, `entry-${n}.mjs`);
  const mainUrl = pathToFileURL(built ? join(dist, 'cli/main.js') : join(root, 'src/cli/main.ts')).href;
  writeFileSync(entry, `import { main } from ${JSON.stringify(mainUrl)};\nawait main(process.argv);\n`);
  const args = built ? [entry, 'analyze'] : ['--import', 'tsx', entry, 'analyze'];
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  let outLines = 0;
  let firstOutput: bigint | null = null;
  child.stdout.on('data', (c: Buffer) => {
    firstOutput ??= process.hrtime.bigint();
    for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) outLines++;
  });
  // CPU time of the child from /proc (Linux), sampled until it exits: on a shared machine wall time mostly
  // measures the neighbours.
  let cpuSeconds: number | null = null;
  const sampler = setInterval(() => {
    try {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // Gone, or not Linux.
    }
  }, 50);
  child.stdin.end(input);
  const code: number | null = await new Promise((resolve) => child.on('close', resolve));
  clearInterval(sampler);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    runtime: built ? dist : 'tsx',
    lines,
    streams,
    outputLines: outLines,
    exitCode: code,
    seconds: Number(seconds.toFixed(2)),
    linesPerSecond: Math.round(lines / seconds),
    cpuSeconds,
    linesPerCpuSecond: cpuSeconds ? Math.round(lines / cpuSeconds) : null,
    cpuMicrosecondsPerLine: cpuSeconds ? Number(((cpuSeconds * 1e6) / lines).toFixed(2)) : null,
    startupSeconds: firstOutput === null ? null : Number((Number(firstOutput - started) / 1e9).toFixed(2)),
    loadAverage1m: Number(loadavg()[0]!.toFixed(1)),
  };
}

const results: Run[] = [];
for (let round = 0; round < rounds; round++) {
  for (const dist of dists) results.push(await run(dist, results.length));
}
process.stdout.write(JSON.stringify(results.length === 1 ? results[0] : results, null, 2) + '\n\n');
process.stdout.write(
  '| runtime | lines | streams | wall s | lines/s | CPU s | lines per CPU s | µs CPU per line | load avg |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n',
);
for (const r of results) {
  process.stdout.write(
    `| ${r.runtime} | ${r.lines} | ${r.streams} | ${r.seconds} | ${r.linesPerSecond} | ${r.cpuSeconds ?? '–'} | ` +
      `${r.linesPerCpuSecond ?? '–'} | ${r.cpuMicrosecondsPerLine ?? '–'} | ${r.loadAverage1m} |\n`,
  );
}
if (rounds > 1) {
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  process.stdout.write(
    `\nMedians of ${rounds} rounds (${varied ? 'varied' : 'regular'} input):\n\n` +
      '| build | wall s | CPU s | µs CPU per line |\n| --- | --- | --- | --- |\n',
  );
  for (const dist of dists) {
    const mine = results.filter((r) => r.runtime === dist || (r.runtime === 'tsx' && dist === dists[0]));
    const cpu = mine.map((r) => r.cpuSeconds ?? NaN);
    process.stdout.write(
      `| ${dist} | ${median(mine.map((r) => r.seconds))} | ${median(cpu)} | ${median(mine.map((r) => r.cpuMicrosecondsPerLine ?? NaN))} |\n`,
    );
  }
}
if (results.some((r) => r.outputLines !== lines || r.exitCode !== 0)) process.exitCode = 1;
