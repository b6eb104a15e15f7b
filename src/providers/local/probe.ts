import http from 'node:http';

/** Outcome of one readiness probe. */
export type ProbeResult = { ok: true } | { ok: false; reason: string };

/**
 * GET `http://127.0.0.1:<port><path>`; ready on any 2xx. A fresh connection each time (no agent), so a probe
 * sees what a new client would see and leaves no idle sockets behind.
 */
export function probe(port: number, path: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs, signal }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 300 ? { ok: true } : { ok: false, reason: `${path} answered ${status}` });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ ok: false, reason: err.code === 'ECONNREFUSED' ? `port ${port} not listening yet` : err.message }),
    );
  });
}
