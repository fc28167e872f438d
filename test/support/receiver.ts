import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery as a receiver saw it. */
export interface Delivery {
  id: string;
  signature: string;
  body: string;
  event: { id: string; type: string; position: number; payload: any }; // any: events of every type
}

/**
 * A real webhook receiver on a free loopback port. `answer` decides each response (default 200); returning
 * `'hang'` never answers.
 */
export async function startReceiver(answer: (d: Delivery) => number | 'hang' = () => 200, options: { delayMs?: number } = {}) {
  const deliveries: Delivery[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const delivery: Delivery = { id: String(req.headers['bankcore-event-id']), signature: String(req.headers['bankcore-signature']), body, event: JSON.parse(body) };
      const status = answer(delivery);
      if (status === 'hang') return void hanging.push(res);
      // Processed as soon as it arrived (a receiver acts, then answers); the answer may come later.
      if (status >= 200 && status < 300) deliveries.push(delivery);
      const respond = () => res.writeHead(status).end();
      if (options.delayMs) setTimeout(respond, options.delayMs);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    /** Deliveries answered with a 2xx, in arrival order. */
    deliveries,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Resolves once `check` holds, polling; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
