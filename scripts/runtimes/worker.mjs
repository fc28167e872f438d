// A Cloudflare Worker serving bankcore over the memory adapter (state lives as long as the isolate: a demo, not
// storage). Bundled with esbuild and run in workerd by scripts/runtime-matrix.mjs.
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { createFetchHandler } from 'bankcore/http';

let handler;
export default {
  async fetch(request, env) {
    if (!handler) {
      const bank = createBank({ storage: memoryAdapter(), tokens: { secret: env.BANK_JWT_SECRET } });
      await bank.init();
      handler = createFetchHandler(bank, { getClientAddress: (req) => req.headers.get('cf-connecting-ip') ?? 'workerd-local' });
    }
    return handler(request);
  },
};
