// Peer: the same two endpoints as a user would write them with Express and jsonwebtoken.
import express from 'express';
import { authenticate, balances, deposit, responseHeaders, token } from './common.mjs';

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '16kb' }));
const auth = (req, res, next) => {
  const userId = authenticate(req.headers.authorization);
  if (!userId) return res.status(401).json({ detail: 'unauthorized' });
  req.userId = userId;
  next();
};
app.get('/balance', auth, (req, res) => res.set(responseHeaders()).json(balances(req.userId)));
app.post('/deposit', auth, (req, res) => {
  const { status, body } = deposit(req.userId, req.body);
  res.status(status).set(responseHeaders()).json(body);
});
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port, token })));
