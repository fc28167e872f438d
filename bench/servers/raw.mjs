// Baseline: the least a node:http server can do per request, a fixed 40-byte JSON body.
import { createServer } from 'node:http';

const body = Buffer.from(JSON.stringify({ ok: true, balance: 123456, n: 'xxxxx' }));
if (body.length !== 40) throw new Error(`baseline body is ${body.length} bytes, not 40`);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
