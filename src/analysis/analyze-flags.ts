import { ConfigError, type ConfigIssue } from '../errors.js';
import { resolveOptions, type AnalyzerOptions } from './options.js';

/** Flags of `chimera analyze` as commander hands them over (strings). */
export interface AnalyzeFlags {
  alpha?: string;
  mode?: string;
  maxErrorRate?: string;
  maxP99Latency?: string;
  tolerance?: string;
  latencyTolerance?: string;
  latencyAbsoluteTolerance?: string;
  errorClusterSize?: string;
  minRequests?: string;
}

/**
 * Analyzer options from CLI flags; a bad flag is a ConfigError naming it (exit 2), before any input is read.
 * `--max-error-rate` takes a fraction (0.05) or a percentage (5%).
 */
export function optionsFromFlags(flags: AnalyzeFlags): AnalyzerOptions {
  const issues: ConfigIssue[] = [];
  const number = (flag: string, text: string | undefined, percentAllowed = false): number | undefined => {
    if (text === undefined) return undefined;
    const m = /^\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*(%?)\s*$/i.exec(text);
    if (!m || (m[2] && !percentAllowed)) {
      issues.push({
        path: flag,
        message: `expected a number${percentAllowed ? ' or a percentage' : ''}, got '${text}'`,
      });
      return undefined;
    }
    return m[2] ? Number(m[1]) / 100 : Number(m[1]);
  };
  const partial: Partial<AnalyzerOptions> = {
    alpha: number('--alpha', flags.alpha),
    tolerance: number('--tolerance', flags.tolerance),
    latencyTolerance: number('--latency-tolerance', flags.latencyTolerance),
    latencyAbsoluteTolerance: number('--latency-absolute-tolerance', flags.latencyAbsoluteTolerance, true),
    minRequests: number('--min-requests', flags.minRequests),
    errorClusterSize: number('--error-cluster-size', flags.errorClusterSize),
    thresholds: {
      maxErrorRate: number('--max-error-rate', flags.maxErrorRate, true),
      maxP99LatencyMs: number('--max-p99-latency', flags.maxP99Latency),
    },
  };
  if (flags.mode !== undefined) partial.mode = flags.mode as AnalyzerOptions['mode'];
  if (issues.length > 0) throw new ConfigError('invalid options for chimera analyze', issues);
  try {
    return resolveOptions(partial);
  } catch (err) {
    // Name the flags, not the option fields.
    if (err instanceof ConfigError) {
      const flagOf: Record<string, string> = {
        'thresholds.maxErrorRate': '--max-error-rate',
        'thresholds.maxP99LatencyMs': '--max-p99-latency',
        minRequests: '--min-requests',
        latencyTolerance: '--latency-tolerance',
        latencyAbsoluteTolerance: '--latency-absolute-tolerance',
        errorClusterSize: '--error-cluster-size',
      };
      const renamed = err.issues.map((i) => ({ ...i, path: flagOf[i.path] ?? `--${i.path}` }));
      throw new ConfigError('invalid options for chimera analyze', renamed);
    }
    throw err;
  }
}
