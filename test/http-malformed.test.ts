import { describe, expect, it } from 'vitest';
import { serve, signUpOverHttp, TRANSPORTS } from './support/http.js';

const A = { bankCode: 'BANK1', accountNumber: '00010001' };
const B = { bankCode: 'BANK1', accountNumber: '00020001' };
const dep = (fields: Record<string, unknown>) => JSON.stringify({ ...A, amount: 10, ...fields });
const JSON_TYPE = 'application/json';

interface Case {
  name: string;
  method?: string;
  path: string;
  raw?: string;
  type?: string;
  headers?: Record<string, string>;
  /** Whether to send Alice's token (default true). */
  auth?: boolean;
  status: number;
}

const CASES: Case[] = [
  { name: 'truncated JSON', path: '/deposit', raw: '{"amount":', type: JSON_TYPE, status: 400 },
  { name: 'JSON with trailing garbage', path: '/deposit', raw: `${dep({})}x`, type: JSON_TYPE, status: 400 },
  { name: 'empty body', path: '/deposit', raw: '', type: JSON_TYPE, status: 400 },
  { name: 'single-quoted JSON', path: '/deposit', raw: "{'amount': 1}", type: JSON_TYPE, status: 400 },
  { name: 'no Content-Type', path: '/deposit', raw: dep({}), status: 415 },
  { name: 'text/plain body', path: '/deposit', raw: dep({}), type: 'text/plain', status: 415 },
  { name: 'form body to a JSON endpoint', path: '/deposit', raw: 'amount=10', type: 'application/x-www-form-urlencoded', status: 415 },
  { name: 'a repeated key (JSON.parse would keep the last)', path: '/deposit', raw: `{"bankCode":"BANK1","accountNumber":"00010001","amount":1,"amount":2}`, type: JSON_TYPE, status: 400 },
  { name: 'a repeated key written once with an escape', path: '/deposit', raw: `{"bankCode":"BANK1","accountNumber":"00010001","amount":1,"\\u0061mount":2}`, type: JSON_TYPE, status: 400 },
  { name: 'a repeated key in a nested object', path: '/transfer', raw: `{"from":{"bankCode":"BANK1","bankCode":"X","accountNumber":"00010001"},"to":{"bankCode":"BANK1","accountNumber":"00020001"},"amount":1}`, type: JSON_TYPE, status: 400 },
  { name: 'amount 5.0 (an integer value, not an integer literal)', path: '/deposit', raw: dep({}).replace('"amount":10', '"amount":5.0'), type: JSON_TYPE, status: 422 },
  { name: 'amount 1e2', path: '/deposit', raw: dep({}).replace('"amount":10', '"amount":1e2'), type: JSON_TYPE, status: 422 },
  { name: 'amount 4.9999999999999999 (parses as 5)', path: '/deposit', raw: dep({}).replace('"amount":10', '"amount":4.9999999999999999'), type: JSON_TYPE, status: 422 },
  { name: 'float amount', path: '/deposit', raw: dep({ amount: 10.5 }), type: JSON_TYPE, status: 422 },
  { name: 'negative amount', path: '/deposit', raw: dep({ amount: -10 }), type: JSON_TYPE, status: 422 },
  { name: 'zero amount', path: '/deposit', raw: dep({ amount: 0 }), type: JSON_TYPE, status: 422 },
  { name: 'negative zero amount', path: '/deposit', raw: dep({}).replace('"amount":10', '"amount":-0'), type: JSON_TYPE, status: 422 },
  { name: 'numeric-string amount', path: '/deposit', raw: dep({ amount: '100' }), type: JSON_TYPE, status: 422 },
  { name: 'amount 1e309', path: '/deposit', raw: dep({}).replace('"amount":10', '"amount":1e309'), type: JSON_TYPE, status: 422 },
  { name: 'amount above 2^53', path: '/deposit', raw: dep({}).replace('"amount":10', '"amount":9007199254740993'), type: JSON_TYPE, status: 422 },
  { name: 'null amount', path: '/deposit', raw: dep({ amount: null }), type: JSON_TYPE, status: 422 },
  { name: 'missing amount', path: '/deposit', raw: JSON.stringify(A), type: JSON_TYPE, status: 422 },
  { name: 'operator object as amount', path: '/deposit', raw: dep({ amount: { $gt: 0 } }), type: JSON_TYPE, status: 422 },
  { name: 'array amount', path: '/deposit', raw: dep({ amount: [10] }), type: JSON_TYPE, status: 422 },
  { name: 'boolean amount', path: '/deposit', raw: dep({ amount: true }), type: JSON_TYPE, status: 422 },
  { name: 'operator object as bankCode', path: '/deposit', raw: dep({ bankCode: { $gt: '' } }), type: JSON_TYPE, status: 422 },
  { name: 'over-long accountNumber', path: '/deposit', raw: dep({ accountNumber: '1'.repeat(35) }), type: JSON_TYPE, status: 422 },
  { name: 'non-ASCII bankCode', path: '/deposit', raw: dep({ bankCode: 'BÄNK1' }), type: JSON_TYPE, status: 422 },
  { name: '__proto__ key', path: '/deposit', raw: dep({}).replace('{', '{"__proto__":{"admin":true},'), type: JSON_TYPE, status: 422 },
  { name: 'constructor key', path: '/deposit', raw: dep({ constructor: { prototype: {} } }), type: JSON_TYPE, status: 422 },
  { name: 'unknown field', path: '/deposit', raw: dep({ ammount: 5 }), type: JSON_TYPE, status: 422 },
  { name: 'array body', path: '/deposit', raw: '[]', type: JSON_TYPE, status: 422 },
  { name: 'string body', path: '/deposit', raw: '"deposit"', type: JSON_TYPE, status: 422 },
  { name: 'number body', path: '/deposit', raw: '5', type: JSON_TYPE, status: 422 },
  { name: 'null body', path: '/deposit', raw: 'null', type: JSON_TYPE, status: 422 },
  { name: 'deeply nested body', path: '/deposit', raw: `${'['.repeat(2000)}${']'.repeat(2000)}`, type: JSON_TYPE, status: 422 },
  { name: 'over-long reference', path: '/deposit', raw: dep({ reference: 'r'.repeat(141) }), type: JSON_TYPE, status: 422 },
  { name: 'reference with a control character', path: '/deposit', raw: dep({ reference: 'a\u0000b' }), type: JSON_TYPE, status: 422 },
  { name: 'body over the 16 KiB limit', path: '/deposit', raw: dep({ reference: 'r'.repeat(20_000) }), type: JSON_TYPE, status: 413 },
  { name: 'over-long Idempotency-Key', path: '/deposit', raw: dep({}), type: JSON_TYPE, headers: { 'idempotency-key': 'k'.repeat(300) }, status: 422 },
  { name: 'withdrawal of a float', path: '/withdraw', raw: dep({ amount: 0.01 }), type: JSON_TYPE, status: 422 },
  { name: 'transfer without from', path: '/transfer', raw: JSON.stringify({ to: B, amount: 1 }), type: JSON_TYPE, status: 422 },
  { name: 'transfer to the same account', path: '/transfer', raw: JSON.stringify({ from: A, to: A, amount: 1 }), type: JSON_TYPE, status: 422 },
  { name: 'transfer to a string', path: '/transfer', raw: JSON.stringify({ from: A, to: 'BANK1/00020001', amount: 1 }), type: JSON_TYPE, status: 422 },
  { name: 'transfer of a huge amount', path: '/transfer', raw: JSON.stringify({ from: A, to: B, amount: 1e20 }), type: JSON_TYPE, status: 422 },
  { name: 'createUser with an operator username', path: '/createUser', raw: JSON.stringify({ username: { $gt: '' }, password: 'long enough pw' }), type: JSON_TYPE, auth: false, status: 422 },
  { name: 'createUser with an over-long username', path: '/createUser', raw: JSON.stringify({ username: 'u'.repeat(65), password: 'long enough pw' }), type: JSON_TYPE, auth: false, status: 422 },
  { name: 'createUser with a 10k-character password', path: '/createUser', raw: JSON.stringify({ username: 'zed', password: 'p'.repeat(10_000) }), type: JSON_TYPE, auth: false, status: 422 },
  { name: 'token without password', path: '/token', raw: 'username=alice', type: 'application/x-www-form-urlencoded', auth: false, status: 400 },
  { name: 'token with another grant type', path: '/token', raw: 'grant_type=client_credentials&username=alice&password=x', type: 'application/x-www-form-urlencoded', auth: false, status: 400 },
  { name: 'token with a repeated field', path: '/token', raw: 'username=alice&username=bob&password=x', type: 'application/x-www-form-urlencoded', auth: false, status: 400 },
  { name: 'token as text/plain', path: '/token', raw: 'username=alice&password=x', type: 'text/plain', auth: false, status: 400 },
  { name: 'history limit 0', method: 'GET', path: '/transactions?bankCode=BANK1&accountNumber=00010001&limit=0', status: 422 },
  { name: 'history limit abc', method: 'GET', path: '/transactions?bankCode=BANK1&accountNumber=00010001&limit=abc', status: 422 },
  { name: 'history limit 1000', method: 'GET', path: '/transactions?bankCode=BANK1&accountNumber=00010001&limit=1000', status: 422 },
  { name: 'history limit 1.5', method: 'GET', path: '/transactions?bankCode=BANK1&accountNumber=00010001&limit=1.5', status: 422 },
  { name: 'history limit given twice', method: 'GET', path: '/transactions?bankCode=BANK1&accountNumber=00010001&limit=1&limit=2', status: 422 },
  { name: 'history without bankCode', method: 'GET', path: '/transactions?accountNumber=00010001', status: 422 },
  { name: 'history with a foreign cursor', method: 'GET', path: '/transactions?bankCode=BANK1&accountNumber=00010001&cursor=xyz', status: 422 },
  { name: 'balance with bankCode only', method: 'GET', path: '/balance?bankCode=BANK1', status: 422 },
  { name: 'Basic instead of Bearer', method: 'GET', path: '/balance', auth: false, headers: { authorization: 'Basic YWxpY2U6eA==' }, status: 401 },
];

describe.each(TRANSPORTS)('malformed requests over %s', (transport) => {
  it(`answers each of ${CASES.length} malformed requests with a 4xx problem and changes nothing`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const client = await serve(transport);
    const alice = await signUpOverHttp(client, 'alice');
    const bob = await signUpOverHttp(client, 'bob');
    await client.call('POST', '/addAccount', { json: A, token: alice });
    await client.call('POST', '/addAccount', { json: B, token: bob });
    await client.call('POST', '/deposit', { json: { ...A, amount: 1000 }, token: alice });
    const mismatches: string[] = [];
    for (const c of CASES) {
      const reply = await client.call(c.method ?? 'POST', c.path, {
        raw: c.raw,
        type: c.type,
        headers: c.headers,
        token: c.auth === false ? undefined : alice,
      });
      // /token answers as RFC 6749 §5.2 says: application/json with `error`, the problem members in the same body.
      const type = c.path === '/token' ? 'application/json' : 'application/problem+json';
      const problem = reply.headers.get('content-type') === type && reply.body?.status === reply.status && (c.path !== '/token' || reply.body?.error === 'invalid_request' || reply.body?.error === 'unsupported_grant_type');
      if (reply.status !== c.status || !problem) mismatches.push(`${c.name}: ${reply.status} ${reply.text.slice(0, 200)}`);
      expect(reply.text).not.toMatch(/at .*\.(ts|js):\d+/);
    }
    expect(mismatches).toEqual([]);
    const balances = await client.call('GET', '/balance', { token: alice });
    expect(balances.body.accounts.map((a: { balance: number }) => a.balance)).toEqual([1000]);
    expect((await client.bank.verify()).problems).toEqual([]);
    await client.close();
  });
});
