// Peer: the same two endpoints with Fastify (its JSON schema validation) and jsonwebtoken. With
// PEER_TOKEN_CACHE=1, plus a verified-token cache like bankcore's (a token verified once is trusted until it
// expires, up to 10,000 tokens), so that a comparison shows what the rest of the design wins, not the cache.
import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import { authenticate, balances, deposit, responseHeaders, token } from './common.mjs';

const verified = new Map();
function cachedAuthenticate(header) {
  const hit = verified.get(header);
  if (hit && hit.expiresAt > Date.now()) return hit.userId;
  const userId = authenticate(header);
  if (!userId) return null;
  if (verified.size >= 10_000) verified.delete(verified.keys().next().value);
  verified.set(header, { userId, expiresAt: jwt.decode(header.slice(7)).exp * 1000 });
  return userId;
}
const authenticateRequest = process.env.PEER_TOKEN_CACHE === '1' ? cachedAuthenticate : authenticate;

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
app.addHook('onRequest', async (req, reply) => {
  const userId = authenticateRequest(req.headers.authorization);
  if (!userId) return reply.code(401).send({ detail: 'unauthorized' });
  req.userId = userId;
});
app.get('/balance', async (req, reply) => reply.headers(responseHeaders()).send(balances(req.userId)));
app.post('/deposit', {
  schema: {
    body: {
      type: 'object',
      required: ['bankCode', 'accountNumber', 'amount'],
      additionalProperties: false,
      properties: { bankCode: { type: 'string' }, accountNumber: { type: 'string' }, amount: { type: 'integer', minimum: 1 }, reference: { type: 'string' } },
    },
  },
}, async (req, reply) => {
  const { status, body } = deposit(req.userId, req.body);
  return reply.code(status).headers(responseHeaders()).send(body);
});
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ port: app.server.address().port, token }));
