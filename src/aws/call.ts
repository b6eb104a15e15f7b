import { classifyAwsError, toAwsProviderError } from './errors.js';

export interface AwsCallOptions {
  /** Provider kind for the error (`ecs`, `appmesh`...). */
  provider: string;
  /** AWS operation name, for messages, e.g. `UpdateRoute`. */
  operation: string;
  /** The resource in words, for messages, e.g. `route web-route in mesh shop`. */
  what: string;
  signal: AbortSignal;
  /** Attempts in total (first included). */
  maxAttempts: number;
  /** First backoff delay; doubles each retry, with full jitter. Tests pass 1. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs one AWS call, retrying throttling and transient failures with exponential backoff and full jitter
 * (AWS's recommended scheme), and maps the final failure to an `AwsProviderError`. Access denied, missing
 * resources and invalid requests fail at once: trying again cannot change them.
 *
 * @example
 * const out = await awsCall((abortSignal) => ecs.send(new DescribeServicesCommand(input), { abortSignal }),
 *   { provider: 'ecs', operation: 'DescribeServices', what: 'service web', signal, maxAttempts: 5 });
 */
export async function awsCall<T>(fn: (signal: AbortSignal) => Promise<T>, opts: AwsCallOptions): Promise<T> {
  const base = opts.baseDelayMs ?? 200;
  const cap = opts.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    opts.signal.throwIfAborted();
    try {
      return await fn(opts.signal);
    } catch (err) {
      // Our own deadline or cancellation: stop at once and let the caller see why.
      if (opts.signal.aborted) throw opts.signal.reason;
      const kind = classifyAwsError(err);
      const retriable = kind === 'throttled' || kind === 'transient';
      if (!retriable || attempt >= opts.maxAttempts) {
        throw toAwsProviderError(err, opts.provider, opts.operation, opts.what);
      }
      const delay = Math.random() * Math.min(cap, base * 2 ** (attempt - 1));
      await sleep(delay, opts.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `awsCall` bound to one provider and its connection settings, so call sites name only what differs. */
export class AwsRunner {
  constructor(
    readonly provider: string,
    private readonly maxAttempts: number,
    private readonly baseDelayMs = 200,
  ) {}

  run<T>(operation: string, what: string, signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return awsCall(fn, {
      provider: this.provider,
      operation,
      what,
      signal,
      maxAttempts: this.maxAttempts,
      baseDelayMs: this.baseDelayMs,
    });
  }
}
