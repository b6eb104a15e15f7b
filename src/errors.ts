/**
 * One error catalogue. Every error Chimera raises on purpose is a `CanaryError` with a stable `code`;
 * callers branch on the class, never on the message text. `docs/errors.md` documents every code
 * (a test checks that).
 */
export abstract class CanaryError extends Error {
  abstract readonly code: string;
  /** Process exit code used by the CLI's single top-level catch. */
  abstract readonly exitCode: number;
  /** HTTP status used by the server's error handler. */
  abstract readonly httpStatus: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in user configuration, with where it is. */
export interface ConfigIssue {
  /** Dotted YAML path, e.g. `spec.strategy.steps[2]`. */
  path: string;
  message: string;
  /** 1-based line and column in the source file, when known. */
  line?: number;
  column?: number;
}

/** Bad input from the user: a spec, a flag, an API body. Nothing was changed. */
export class ConfigError extends CanaryError {
  readonly code = 'CONFIG_INVALID';
  readonly exitCode = 2;
  readonly httpStatus = 400;
  constructor(
    message: string,
    readonly issues: ConfigIssue[] = [],
    readonly file?: string,
  ) {
    super(message);
  }
}

/** A name the user gave does not exist (service, rollout, token). */
export class NotFoundError extends CanaryError {
  readonly code = 'NOT_FOUND';
  readonly exitCode = 2;
  readonly httpStatus = 404;
}

/** The request conflicts with the current state (a rollout already running, a finished rollout commanded). */
export class ConflictError extends CanaryError {
  readonly code = 'CONFLICT';
  readonly exitCode = 2;
  readonly httpStatus = 409;
}

/**
 * A rollout of another version is in flight for the service. A conflict like any other to a person (409), but
 * for a trigger it means "not yet" rather than "nothing to do": the watchers start the new version once the
 * service is free.
 */
export class RolloutInFlightError extends ConflictError {}

/** A provider (platform, router, metrics back-end) failed. `retriable` tells whether trying again can help. */
export class ProviderError extends CanaryError {
  readonly code = 'PROVIDER_FAILED';
  readonly exitCode = 3;
  readonly httpStatus = 502;
  constructor(
    message: string,
    readonly provider: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A metric query returned nothing. Never read as healthy. */
export class NoDataError extends CanaryError {
  readonly code = 'NO_DATA';
  readonly exitCode = 3;
  readonly httpStatus = 503;
}

/** An optional capability this provider does not have (e.g. a router that cannot read its weights back). */
export class UnsupportedError extends CanaryError {
  readonly code = 'UNSUPPORTED';
  readonly exitCode = 2;
  readonly httpStatus = 501;
}

/** Authentication missing or wrong. */
export class UnauthorizedError extends CanaryError {
  readonly code = 'UNAUTHORIZED';
  readonly exitCode = 2;
  readonly httpStatus = 401;
}

/** Authenticated, but the role does not allow this. */
export class ForbiddenError extends CanaryError {
  readonly code = 'FORBIDDEN';
  readonly exitCode = 2;
  readonly httpStatus = 403;
}

/** A bug in Chimera: the message asks the user to report it. */
export class InternalError extends CanaryError {
  readonly code = 'INTERNAL';
  readonly exitCode = 70;
  readonly httpStatus = 500;
  constructor(message: string, options?: { cause?: unknown }) {
    super(`${message} (this is a bug in Chimera; please report it)`, options);
  }
}

/** Ends the CLI with a given exit code after the command has said what it had to say. */
export class ExitError extends CanaryError {
  readonly code = 'EXIT';
  readonly httpStatus = 500;
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export const ERROR_CODES = [
  'CONFIG_INVALID',
  'NOT_FOUND',
  'CONFLICT',
  'PROVIDER_FAILED',
  'NO_DATA',
  'UNSUPPORTED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'INTERNAL',
  'EXIT',
] as const;

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
