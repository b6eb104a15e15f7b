import { ConfigError } from '../../errors.js';

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Escapes a value for a PromQL double-quoted string (label matchers), so a version can never break a query. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Replaces `{{name}}` with its variable's value, escaped for a PromQL string. An unknown variable throws, so a
 * typo in a template is caught when the provider is created instead of producing an empty result.
 */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>, escape = true): string {
  return template.replace(VARIABLE, (_all, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new UnknownVariableError(name);
    return escape ? escapeLabelValue(value) : value;
  });
}

export class UnknownVariableError extends Error {
  constructor(readonly variable: string) {
    super(`unknown template variable {{${variable}}}`);
  }
}

/** Checks every template renders with the given variable names; throws a ConfigError naming the bad ones. */
export function checkTemplates(templates: Record<string, string | undefined>, names: readonly string[]): void {
  const dummy = Object.fromEntries(names.map((n) => [n, 'x']));
  const issues = [];
  for (const [field, text] of Object.entries(templates)) {
    if (text === undefined) continue;
    try {
      renderTemplate(text, dummy);
    } catch (err) {
      if (!(err instanceof UnknownVariableError)) throw err;
      issues.push({
        path: `metrics.queries.${field}`,
        message: `${err.message}; known variables: ${names.map((n) => `{{${n}}}`).join(', ')}`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError('invalid Prometheus query template', issues);
}
