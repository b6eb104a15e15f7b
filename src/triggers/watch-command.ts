import { resolve } from 'node:path';
import type { WatchOptions } from '../cli/commands/watch.js';
import { openLocal } from '../cli/local.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../logger.js';
import { FolderWatcher } from './folder-watcher.js';

const print = (s: string): boolean => process.stdout.write(s + '\n');

/** Runs the folder watcher with the embedded controller until SIGINT/SIGTERM; rollouts in flight resume on restart. */
export async function watchCommand(dir: string, opts: WatchOptions): Promise<void> {
  const pollMs = Number(opts.poll ?? 2000);
  if (!Number.isInteger(pollMs) || pollMs < 100)
    throw new ConfigError(`--poll must be at least 100 (ms), got ${opts.poll}`);
  const local = await openLocal(opts.dataDir);
  const log = createLogger('chimera-watch', process.env.CHIMERA_LOG_LEVEL ?? 'info');
  await local.controller.resumeAll();
  const watcher = new FolderWatcher({
    dir: resolve(dir),
    log,
    pollMs,
    start: (loaded, version) => local.controller.start(loaded, version, `gitops ${dir}`),
  });
  local.controller.on('log', (s, e) => print(`${s.service}: ${e.reason}`));
  for (const o of await watcher.start())
    print(`${o.file}: ${o.service ?? ''} ${o.version ?? ''} ${o.result}: ${o.detail}`);
  print(`watching ${resolve(dir)} every ${pollMs}ms (Ctrl-C to stop; rollouts stay where they are)`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await watcher.stop();
  await local.close();
}
