import { request, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * A minimal server-sent-events reader over a real socket (node:http), so tests see exactly what a browser's
 * EventSource would: ids, event names, data lines and comment lines.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  private res?: IncomingMessage;
  private buffer = '';
  private waiters: Array<() => void> = [];

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        c.res = res;
        c.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        res.on('error', () => undefined);
        resolve(c);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Resolves when `check` holds over what was received so far. */
  async until(check: (c: SseClient) => boolean, ms = 30_000): Promise<void> {
    const end = Date.now() + ms;
    while (!check(this)) {
      if (Date.now() > end) throw new Error(`stream condition not reached; got ${this.events.length} events`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  close(): void {
    this.res?.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const e: SseEvent = { event: 'message', data: '' };
      let has = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) e.id = line.slice(4);
        else if (line.startsWith('event: ')) {
          e.event = line.slice(7);
          has = true;
        } else if (line.startsWith('data: ')) e.data += line.slice(6);
      }
      if (has) this.events.push(e);
    }
    for (const w of this.waiters.splice(0)) w();
  }
}

export const seqOf = (id: string | undefined): number => Number(id?.split('.')[1]);
