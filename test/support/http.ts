import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bank } from 'bankcore';
import { createFetchHandler, type HttpOptions } from 'bankcore/http';
import { createHttpHandler } from 'bankcore/node';
import { makeBank } from './bank.js';
import { openApiMismatches } from './openapi-check.js';

export interface Reply {
  status: number;
  headers: Headers;
  body: any; // parsed JSON of any shape: tests look into it freely
  text: string;
}

export interface Client {
  bank: Bank;
  base: string;
  /** Sends a request; `json` sets a JSON body, `form` a form body, `raw` an exact body with the given type. */
  call(
    method: string,
    path: string,
    init?: { json?: unknown; form?: Record<string, string>; raw?: string; type?: string; token?: string; headers?: Record<string, string> },
  ): Promise<Reply>;
  close(): Promise<void>;
}

export type Transport = 'node:http' | 'fetch handler';
export const TRANSPORTS: Transport[] = ['node:http', 'fetch handler'];

/** A `call` function over `send`: JSON, form or raw bodies, a bearer token, parsed answers. */
export function caller(base: string, send: (request: Request) => Promise<Response> = (request) => fetch(request), options: { basePath?: string } = {}): Client['call'] {
  const mount = (options.basePath ?? '').replace(/\/+$/, '').replace(/^(?=[^/])/, '/');
  return async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    let body: string | undefined;
    if (init.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.form) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.raw !== undefined) {
      if (init.type) headers['content-type'] = init.type;
      body = init.raw;
    }
    if (init.token) headers['authorization'] = `Bearer ${init.token}`;
    const response = await send(new Request(`${base}${path}`, { method, headers, body }));
    const text = await response.text();
    // Under a base path the document's paths are relative to it; what the host app serves outside it is not ours.
    const inside = mount === '' || path === mount || path.startsWith(`${mount}/`);
    const mismatches = inside ? openApiMismatches(method, `${base}${path.slice(mount.length) || '/'}`, response.status, response.headers, text) : [];
    if (mismatches.length) throw new Error(`The response does not match /openapi.json:\n${mismatches.join('\n')}`);
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
}

/** Serves a fresh memory bank over the given transport: a real socket for node:http, direct calls for fetch. */
export async function serve(transport: Transport, options: HttpOptions = {}, bank: Bank = makeBank()): Promise<Client> {
  let send: (request: Request) => Promise<Response>;
  let server: Server | undefined;
  let base = 'http://bank.test';
  if (transport === 'node:http') {
    server = createServer(createHttpHandler(bank, options));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    send = (request) => fetch(request);
  } else {
    // As a runtime would give it: the fetch handler refuses to rate-limit without a client address.
    send = createFetchHandler(bank, { getClientAddress: () => '127.0.0.1', ...options });
  }
  return {
    bank,
    base,
    call: caller(base, send),
    close: async () => {
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
    },
  };
}

/** Registers a user over HTTP and returns a bearer token. */
export async function signUpOverHttp(client: Client, username: string, password = `${username}-long-password`): Promise<string> {
  const created = await client.call('POST', '/createUser', { json: { username, password } });
  if (created.status !== 201) throw new Error(`createUser ${username}: ${created.status} ${created.text}`);
  const token = await client.call('POST', '/token', { form: { username, password } });
  if (token.status !== 200) throw new Error(`token ${username}: ${token.status} ${token.text}`);
  return token.body.access_token;
}
