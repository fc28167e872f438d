// Serves bankcore's fetch handler with Deno.serve over the memory adapter; prints the URL it listens on.
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { createFetchHandler } from 'bankcore/http';

const bank = createBank({ storage: memoryAdapter(), tokens: { secret: 'a-runtime-matrix-secret-of-32-bytes-or-more' } });
await bank.init();
const addresses = new WeakMap();
const handler = createFetchHandler(bank, { getClientAddress: (req) => addresses.get(req) });
Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port} (deno ${Deno.version.deno})`) }, (req, info) => {
  addresses.set(req, info.remoteAddr.hostname);
  return handler(req);
});
