import type { Draft } from './engine-draft.js';
import { fmtDuration, isTerminal, where, who } from './engine-draft.js';
import { rerunGate } from './engine-gates.js';
import { pause, snapshot, startPromotion, startRollback } from './engine-phases.js';
import type { Command, Phase } from './rollout.js';

/**
 * Manual commands. A command that makes no sense in the current phase changes nothing and leaves one
 * `command-rejected` log line saying why; the controller turns that into a ConflictError for the user.
 *
 * | command       | accepted in                                   | result                                   |
 * | ------------- | --------------------------------------------- | ---------------------------------------- |
 * | pause         | deploying, progressing                        | paused (pausedFrom kept, split unchanged)|
 * | resume        | paused                                        | pausedFrom; the step's timer restarts    |
 * | promote       | pending, deploying, progressing, paused       | promoting                                |
 * | abort         | pending, deploying, progressing, paused, promoting | rolling_back                        |
 * | skip-analysis | pending, deploying, progressing, paused (once)| analysis.skipped                         |
 *
 * `promote` is refused while rolling back: the rollback may already have removed the canary, so promoting it
 * would act on something that is no longer there. Start a new rollout instead.
 */
export function onCommand(d: Draft, command: Command, by: string | undefined): void {
  const phase = d.phase;
  const actor = who(by);
  const reject = (why: string) =>
    d.mention('command-rejected', `${command} by ${actor} rejected: ${why}`, { command, phase, by: actor });
  if (isTerminal(phase)) {
    reject(`the rollout has already finished (${phase})`);
    return;
  }
  switch (command) {
    case 'pause':
      if (phase === 'paused' && d.state.pauseCause === 'metrics') return keepPaused(d, actor);
      if (phase === 'paused') return reject('it is already paused');
      if (phase !== 'progressing' && phase !== 'deploying') return reject(notIn(phase, 'pause'));
      pause(d, `paused by ${actor} at ${where(d.state)}; the traffic split stays as it is until resumed`, {
        by: actor,
      });
      return;
    case 'resume':
      return resume(d, actor, reject);
    case 'promote':
      if (phase === 'promoting') return reject('it is already being promoted');
      if (phase === 'rolling_back') return reject('a rollback is under way; start a new rollout to try again');
      startPromotion(d, `promoted by ${actor} at ${where(d.state)}, skipping the remaining steps`, { by: actor });
      return;
    case 'abort':
      if (phase === 'rolling_back') return reject('it is already rolling back');
      startRollback(d, `aborted by ${actor} at ${where(d.state)}`, { by: actor });
      return;
    case 'skip-analysis':
      if (phase === 'promoting' || phase === 'rolling_back') return reject(notIn(phase, 'skip analysis'));
      if (d.state.analysis.skipped) return reject('analysis is already skipped');
      return skipAnalysis(d, actor);
    default:
      return reject(`unknown command ${JSON.stringify(command)}`);
  }
}

function resume(d: Draft, actor: string, reject: (why: string) => void): void {
  if (d.phase !== 'paused') return reject('it is not paused');
  const to: Phase = d.state.pausedFrom ?? 'progressing';
  const { plan } = d.state;
  // The minimum time at a step is about watching the canary under this weight: time spent on hold does not count.
  const again =
    to === 'deploying'
      ? `the ${fmtDuration(plan.deployTimeoutMs)} deploy timeout counts again from now`
      : `the step's minimum time (${fmtDuration(plan.stepIntervalMs)}) counts again from now`;
  d.moveTo(
    to,
    'resumed',
    `resumed by ${actor}: back to ${to} at ${where(d.state)}; ${again}`,
    { ...snapshot(d.state), by: actor, stepIntervalMs: plan.stepIntervalMs },
    { pausedFrom: undefined, pauseCause: undefined, stepStartedAt: d.now },
  );
  // Held by a failed gate (or paused while one ran): the gate runs again.
  rerunGate(d);
}

/** `pause` on a rollout the engine paused for a metrics outage: a person now holds it; it no longer resumes by itself. */
function keepPaused(d: Draft, actor: string): void {
  d.set({ pauseCause: undefined });
  d.say(
    'paused',
    `paused by ${actor} at ${where(d.state)} (already held for a metrics outage); it now stays paused until resumed, ` +
      'even once metrics are readable again',
    { ...snapshot(d.state), by: actor },
  );
}

function skipAnalysis(d: Draft, actor: string): void {
  const { plan } = d.state;
  d.setAnalysis({ skipped: true });
  d.say(
    'analysis-skipped',
    `analysis skipped by ${actor}: steps now advance on time (${fmtDuration(plan.stepIntervalMs)}) and ` +
      `canary requests (${plan.minRequestsPerStep}) alone; metrics are still read and an outage still holds`,
    { ...snapshot(d.state), by: actor },
  );
}

function notIn(phase: Phase, what: string): string {
  return `cannot ${what} while ${phase.replace('_', ' ')}`;
}
