/** Milliseconds as a PromQL range duration in whole seconds, at least `1s`. */
export function promDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}
