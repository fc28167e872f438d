// Peer: the same two endpoints with Fastify (its JSON schema validation) and jsonwebtoken.
import Fastify from 'fastify';
import { authenticate, balances, deposit, token } from './common.mjs';

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
app.addHook('onRequest', async (req, reply) => {
  const userId = authenticate(req.headers.authorization);
  if (!userId) return reply.code(401).send({ detail: 'unauthorized' });
  req.userId = userId;
});
app.get('/balance', async (req) => balances(req.userId));
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
  return reply.code(status).send(body);
});
await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ port: app.server.address().port, token }));
