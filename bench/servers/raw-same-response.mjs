// What bankcore's GET /balance response costs on node:http: a raw node:http server that does no work but answers every
// request with bankcore's exact GET /balance response to the benchmark's user (bench/servers/bankcore.mjs): the same
// five headers, with a fresh request id each time, and the same 490-byte body (two accounts; ids and times are
// fixed here but of the same length). What it loses against raw.mjs is the cost of the response itself, which any
// server answering this API pays; the library handler's ratio to it is what bankcore's own work costs.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const account = (id, accountNumber, balance) => ({
  id, bankCode: 'BENCH', accountNumber, currency: 'USD', balance, pending: 0, available: balance, status: 'active', overdraftLimit: 0, createdAt: '2026-12-06T23:09:44.289Z',
});
const body = JSON.stringify({
  accounts: [account('01a24d9e-d3e1-76bf-ac07-3a8c74229e19', 'HTTP0001', 1_000_000), account('01a24d9e-d3e1-76c1-ad0e-8bf2d7a7767b', 'HTTP0002', 0)],
  nextCursor: null,
});
if (body.length !== 490) throw new Error(`the response body is ${body.length} bytes, not bankcore's 490`);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'x-request-id': randomUUID(),
      'x-content-type-options': 'nosniff',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
