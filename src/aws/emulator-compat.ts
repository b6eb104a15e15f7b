import { Readable } from 'node:stream';

/**
 * moto's App Mesh writes timestamps as `"28/11/2026, 13:41:02"` where AWS writes epoch seconds, and the SDK
 * refuses to parse the whole answer. With an endpoint override (an emulator, never real AWS by default) this
 * middleware rewrites such strings to epoch seconds before the SDK reads the body. Nothing else is touched.
 */
const MOTO_TIME = /"(createdAt|lastUpdatedAt)":\s*"(\d{2})\/(\d{2})\/(\d{4}), (\d{2}):(\d{2}):(\d{2})"/g;

export function fixEmulatorTimestamps(json: string): string {
  return json.replace(
    MOTO_TIME,
    (_m, key: string, d: string, mo: string, y: string, h: string, mi: string, s: string) => {
      const epoch = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
      return `"${key}": ${epoch}`;
    },
  );
}

interface RawResponse {
  body?: unknown;
  headers?: Record<string, string>;
}
type Handler = (args: unknown) => Promise<{ response: unknown }>;
interface MiddlewareStack {
  addRelativeTo(
    middleware: (next: Handler) => Handler,
    options: { relation: 'after'; toMiddleware: string; name: string },
  ): void;
}

/** Installs the rewrite on one SDK client (App Mesh) when it talks to an emulator. */
export function useEmulatorCompat(client: { middlewareStack: unknown }): void {
  (client.middlewareStack as MiddlewareStack).addRelativeTo(
    (next) => async (args) => {
      const out = await next(args);
      const res = out.response as RawResponse;
      if (res.body instanceof Readable) {
        const chunks: Buffer[] = [];
        for await (const chunk of res.body) chunks.push(Buffer.from(chunk as Uint8Array));
        const fixed = Buffer.from(fixEmulatorTimestamps(Buffer.concat(chunks).toString('utf8')));
        res.body = Readable.from([fixed]);
        if (res.headers) res.headers['content-length'] = String(fixed.length);
      }
      return out;
    },
    { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'chimeraEmulatorTimestamps' },
  );
}

/** True when AWS calls go to an endpoint other than AWS's own: the spec's `endpoint` or AWS_ENDPOINT_URL(_APP_MESH). */
export function endpointOverridden(conn: { endpoint?: string }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(conn.endpoint ?? env.AWS_ENDPOINT_URL_APP_MESH ?? env.AWS_ENDPOINT_URL);
}
