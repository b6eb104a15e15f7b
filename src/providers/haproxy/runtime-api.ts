import { connect, type Socket } from 'node:net';
import { ProviderError } from '../../errors.js';

/** Where the Runtime API listens. */
export type RuntimeAddress = { path: string } | { host: string; port: number };

export function parseRuntimeAddress(text: string): RuntimeAddress {
  const tcp = /^tcp:\/\/(.+):(\d{1,5})$/.exec(text);
  if (tcp) return { host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  return { path: text.replace(/^unix:/, '') };
}

function describe(address: RuntimeAddress): string {
  return 'path' in address ? address.path : `tcp://${address.host}:${address.port}`;
}

/**
 * HAProxy's Runtime API in non-interactive mode: one command per connection, HAProxy answers and closes.
 * No socat needed: a UNIX or TCP socket from node:net is enough.
 */
export class RuntimeApi {
  constructor(
    private readonly address: RuntimeAddress,
    private readonly timeoutMs: number,
  ) {}

  /** Sends one command and returns HAProxy's whole answer (often empty on success). */
  command(cmd: string, signal: AbortSignal): Promise<string> {
    if (/[\n;]/.test(cmd))
      throw new ProviderError(`refusing a Runtime API command with a separator: ${cmd}`, 'haproxy', false);
    const where = describe(this.address);
    if (signal.aborted) return Promise.reject(new ProviderError(`HAProxy command aborted: ${cmd}`, 'haproxy', true));
    return new Promise((resolve, reject) => {
      const socket: Socket =
        'path' in this.address ? connect(this.address.path) : connect(this.address.port, this.address.host);
      const chunks: Buffer[] = [];
      const fail = (err: ProviderError) => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const onAbort = () => fail(new ProviderError(`HAProxy command aborted: ${cmd}`, 'haproxy', true));
      const timer = setTimeout(
        () =>
          fail(
            new ProviderError(
              `HAProxy Runtime API at ${where} did not answer "${cmd}" within ${this.timeoutMs}ms`,
              'haproxy',
              true,
            ),
          ),
        this.timeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('connect', () => socket.end(`${cmd}\n`));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', (err: NodeJS.ErrnoException) => {
        const hint =
          err.code === 'ENOENT'
            ? ' (socket missing: is HAProxy running with `stats socket <path> level admin`?)'
            : err.code === 'ECONNREFUSED'
              ? ' (nothing listens there: is HAProxy running?)'
              : err.code === 'EACCES'
                ? ' (permission denied on the socket)'
                : '';
        // A missing socket or refused connection may heal when HAProxy (re)starts; a permission problem will not.
        fail(
          new ProviderError(
            `HAProxy Runtime API at ${where}: ${err.code ?? err.message}${hint}`,
            'haproxy',
            err.code !== 'EACCES',
            { cause: err },
          ),
        );
      });
      socket.on('close', () => {
        cleanup();
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }
}
