import type { ConfigError } from '../errors.js';

/** `file:line:column: path: message`, one line per problem, as compilers print them. */
export function formatConfigError(err: ConfigError): string {
  if (err.issues.length === 0) return `error: ${err.message}`;
  const lines = err.issues.map((issue) => {
    const where = [err.file, issue.line, issue.column].filter((x) => x !== undefined).join(':');
    const path = issue.path ? `${issue.path}: ` : '';
    return `${where ? where + ': ' : ''}${path}${issue.message}`;
  });
  return [`error: ${err.message}`, ...lines.map((l) => `  ${l}`)].join('\n');
}

/** True when stdout is a terminal that can redraw live progress. */
export function isInteractive(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && process.env.TERM !== 'dumb' && !process.env.CI;
}
