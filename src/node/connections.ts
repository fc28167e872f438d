import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemResponse } from 'bankcore/http';

/**
 * Caps connections per client address and cuts those that send nothing: one client holding idle sockets must not
 * exhaust the server's connection limit for everyone else.
 */
export function guardConnections(server: Server, perAddress: number, firstByteTimeoutMs: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
    // The HTTP parser consumes the socket directly, so watch its byte count rather than listening for data.
    const timer = setTimeout(() => {
      // After the poll phase: a busy loop runs due timers before it reads sockets, so bytes that did arrive are
      // counted before the verdict.
      setImmediate(() => {
        if (socket.bytesRead === 0) socket.destroy();
      });
    }, firstByteTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

const ANSWERS: Record<string, { code: 'MALFORMED_REQUEST' | 'HEADERS_TOO_LARGE' | 'REQUEST_TIMEOUT'; detail: string }> = {
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', detail: 'The request headers are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'REQUEST_TIMEOUT', detail: 'The request took too long to arrive' },
};

/**
 * Answers what Node's HTTP parser refuses (malformed requests, oversized headers, timeouts) like every other client
 * error: problem+json with a code and a request id, never Node's bare status line. For a server of your own:
 * `server.on('clientError', answerClientError)`.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || (error.code === 'ECONNRESET')) {
    socket.destroy();
    return;
  }
  const { code, detail } = ANSWERS[error.code ?? ''] ?? { code: 'MALFORMED_REQUEST' as const, detail: 'The request is not valid HTTP' };
  const requestId = crypto.randomUUID();
  const response = problemResponse(code, detail, { requestId });
  const body = JSON.stringify(response.body);
  const head = [
    `HTTP/1.1 ${response.status} ${code === 'MALFORMED_REQUEST' ? 'Bad Request' : code === 'HEADERS_TOO_LARGE' ? 'Request Header Fields Too Large' : 'Request Timeout'}`,
    'content-type: application/problem+json',
    'cache-control: no-store',
    'x-content-type-options: nosniff',
    `x-request-id: ${requestId}`,
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  // Then close both ways: a client still trickling bytes must not keep a half-open socket alive.
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
