import type { FastifyError, FastifyInstance } from 'fastify';
import { CanaryError, ConfigError, InternalError, errorMessage } from '../errors.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; issues?: ConfigError['issues'] };
}

/**
 * The server's one error catalogue: a CanaryError carries its own HTTP status (src/errors.ts); Fastify's own
 * errors (body too large, bad JSON, wrong content type) keep their 4xx status under the CONFIG_INVALID code, because
 * they are all bad input; anything else is a 500 whose details go to the log, not to the client.
 */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof CanaryError) {
    const issues = err instanceof ConfigError && err.issues.length > 0 ? { issues: err.issues } : {};
    return { status: err.httpStatus, body: { error: { code: err.code, message: err.message, ...issues } } };
  }
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const message = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request body is too large' : errorMessage(err);
    return { status: fe.statusCode, body: { error: { code: 'CONFIG_INVALID', message } } };
  }
  const internal = new InternalError('unexpected server error');
  return { status: 500, body: { error: { code: internal.code, message: internal.message } } };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toHttpError(err);
    if (status >= 500) req.log.error({ err: errorMessage(err), url: req.routeOptions.url }, 'request failed');
    void reply.status(status).send(body);
  });
}
