import { createServer, type Server } from 'node:http';

export interface Upstream {
  port: number;
  served: number;
  close(): Promise<void>;
}

/** A tiny HTTP service standing in for one version: answers 500 for a share `errorRate` of requests. */
export async function startUpstream(version: string, errorRate = 0): Promise<Upstream> {
  let n = 0;
  const state = { served: 0 };
  const server: Server = createServer((req, res) => {
    state.served++;
    n++;
    // Deterministic error pattern: every k-th request fails, so counts are exact; `/fail` always fails.
    const fail = req.url === '/fail' || (errorRate > 0 && n % Math.round(1 / errorRate) === 0);
    res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain', 'x-version': version });
    res.end(version);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    port,
    get served() {
      return state.served;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Sends `n` GET requests, one connection each (so HAProxy balances every request), and returns status counts. */
export async function sendRequests(port: number, n: number, path = '/'): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
    await res.text();
    out[res.status] = (out[res.status] ?? 0) + 1;
  }
  return out;
}
