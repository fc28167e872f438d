// Serves bankcore's fetch handler with Bun.serve over the memory adapter; prints the URL it listens on.
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { createFetchHandler } from 'bankcore/http';

const bank = createBank({ storage: memoryAdapter(), tokens: { secret: 'a-runtime-matrix-secret-of-32-bytes-or-more' } });
await bank.init();
let server;
const handler = createFetchHandler(bank, { getClientAddress: (req) => server.requestIP(req)?.address });
server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => handler(req) });
console.log(`listening on http://127.0.0.1:${server.port} (bun ${Bun.version})`);
