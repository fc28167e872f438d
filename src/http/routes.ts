import { schemas, usernameKey, type Account, type Bank, type LedgerEntry, type MovementResult, type Principal, type User } from 'bankcore';
import type { HttpResponse } from './problem.js';
import { isBankError, type RateLimitRule, type RateLimits } from 'bankcore';
import { bearerToken, queryObject, readPayload, type HttpRequest } from './request.js';
import * as s from '../wire/schemas.js';

const parse = schemas.parseInput;

/** What a route needs besides the request. */
export interface RouteContext {
  bank: Bank;
  /** Counts an attempt against a rule; throws RATE_LIMITED when over it. A `false` rule is off. */
  limit(rule: RateLimitRule | false, key: string): Promise<void>;
  rules: RateLimits;
  /** Runs a password hash for a client address, refusing (RATE_LIMITED) past a few in flight from it. */
  admitHashing<T>(address: string, run: () => Promise<T>): Promise<T>;
  /** The OpenAPI document, built once on first use. */
  openapi(): unknown;
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle(req: HttpRequest, ctx: RouteContext): Promise<HttpResponse>;
}

const NO_STORE = { 'cache-control': 'no-store' };
const json = (status: number, body: unknown, extra?: Record<string, string>): HttpResponse => {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (extra) Object.assign(headers, extra);
  return { status, headers, body };
};

export const accountJson = (a: Account) => ({
  id: a.id,
  bankCode: a.bankCode,
  accountNumber: a.accountNumber,
  currency: a.currency,
  balance: a.balance,
  createdAt: a.createdAt,
});

const userJson = (u: User) => ({ id: u.id, username: u.username, createdAt: u.createdAt });

const entryJson = (e: LedgerEntry) => ({
  id: e.id,
  transactionId: e.transactionId,
  sequence: e.sequence,
  type: e.type,
  amount: e.amount,
  balanceAfter: e.balanceAfter,
  currency: e.currency,
  counterparty: e.counterparty,
  reference: e.reference,
  createdAt: e.createdAt,
});

function movementJson(result: MovementResult): HttpResponse {
  const t = result.transaction;
  const body = {
    transaction: {
      id: t.id,
      type: t.type,
      amount: t.amount,
      currency: t.currency,
      legs: t.legs.map((l) => ({ bankCode: l.bankCode, accountNumber: l.accountNumber, amount: l.amount })),
      reference: t.reference,
      createdAt: t.createdAt,
    },
    account: accountJson(result.account),
  };
  // A replay answers exactly as the first call did, and says that it is a replay.
  return json(201, body, result.replayed ? { 'idempotent-replayed': 'true' } : {});
}

async function principalOf(req: HttpRequest, bank: Bank): Promise<Principal> {
  return bank.authenticate(bearerToken(req));
}

function idempotencyKey(req: HttpRequest): { idempotencyKey?: string } {
  const raw = req.header('idempotency-key');
  if (raw === undefined) return {};
  return { idempotencyKey: parse(s.idempotencyKeyHeader, raw, 'Idempotency-Key header') };
}

function movement(kind: 'deposit' | 'withdraw'): Route['handle'] {
  return async (req, { bank }) => {
    const me = await principalOf(req, bank);
    const body = parse(s.movementBody, await readPayload(req), kind);
    const { bankCode, accountNumber, amount, reference } = body;
    return movementJson(await bank[kind](me, { account: { bankCode, accountNumber }, amount, reference, ...idempotencyKey(req) }));
  };
}

/** Every endpoint of the HTTP API. */
export const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/createUser',
    async handle(req, { bank, limit, rules, admitHashing }) {
      await limit(rules.createUserPerAddress, `createUser:addr:${req.clientAddress}`);
      // The wire body is exactly the core's input (`createUserBody` is its schema): the core validates it.
      const body = (await readPayload(req)) as { username: string; password: string };
      return json(201, userJson(await admitHashing(req.clientAddress, () => bank.register(body))));
    },
  },
  {
    method: 'POST',
    path: '/token',
    async handle(req, { bank, limit, rules, admitHashing }) {
      await limit(rules.tokenPerAddress, `token:addr:${req.clientAddress}`);
      const body = parse(s.tokenBody, await readPayload(req, { form: true }), 'token');
      const user = usernameKey(body.username);
      await limit(rules.tokenPerUsernameAndAddress, `token:user-addr:${user}\u0000${req.clientAddress}`);
      await limit(rules.tokenPerUsername, `token:user:${user}`);
      const token = await admitHashing(req.clientAddress, () => bank.login({ username: body.username, password: body.password }));
      return json(200, { access_token: token.accessToken, token_type: token.tokenType, expires_in: token.expiresIn }, { pragma: 'no-cache' });
    },
  },
  {
    method: 'POST',
    path: '/changePassword',
    async handle(req, { bank, limit, rules, admitHashing }) {
      const me = await principalOf(req, bank);
      await limit(rules.changePasswordPerUser, `changePassword:user:${me.userId}`);
      await limit(rules.changePasswordPerAddress, `changePassword:addr:${req.clientAddress}`);
      const body = (await readPayload(req)) as { currentPassword: string; newPassword: string };
      await admitHashing(req.clientAddress, () => bank.changePassword(me, body));
      return { status: 204, headers: { ...NO_STORE }, body: null };
    },
  },
  {
    method: 'POST',
    path: '/addAccount',
    async handle(req, { bank, limit, rules }) {
      const me = await principalOf(req, bank);
      await limit(rules.addAccountPerUser, `addAccount:user:${me.userId}`);
      const body = parse(s.addAccountBody, await readPayload(req), 'addAccount');
      return json(201, accountJson(await bank.openAccount(me, body)));
    },
  },
  { method: 'POST', path: '/deposit', handle: movement('deposit') },
  { method: 'POST', path: '/withdraw', handle: movement('withdraw') },
  {
    method: 'POST',
    path: '/transfer',
    async handle(req, { bank, limit, rules }) {
      const me = await principalOf(req, bank);
      const body = parse(s.transferBody, await readPayload(req), 'transfer');
      try {
        return movementJson(await bank.transfer(me, { ...body, ...idempotencyKey(req) }));
      } catch (error) {
        // Each payee that does not exist (or takes another currency) is one probe: enumeration runs out of them.
        if (isBankError(error, 'ACCOUNT_NOT_FOUND') || isBankError(error, 'CURRENCY_MISMATCH')) await limit(rules.failedTransfersPerUser, `transfer-failed:user:${me.userId}`);
        throw error;
      }
    },
  },
  {
    method: 'GET',
    path: '/balance',
    async handle(req, { bank }) {
      const me = await principalOf(req, bank);
      // The common case, no query, skips parsing altogether.
      const query = req.query.size === 0 ? {} : parse(s.balanceQuery, queryObject(req), 'balance query');
      if (query.bankCode !== undefined && query.accountNumber !== undefined) {
        return json(200, { accounts: [accountJson(await bank.getAccount(me, { bankCode: query.bankCode, accountNumber: query.accountNumber }))], nextCursor: null });
      }
      // Pages of at most `limit` (default 100): one user's list never becomes one huge response.
      const all = await bank.balances(me);
      const start = query.cursor === undefined ? 0 : Number(query.cursor);
      const end = start + (query.limit ?? 100);
      return json(200, { accounts: all.slice(start, end).map(accountJson), nextCursor: end < all.length ? String(end) : null });
    },
  },
  {
    method: 'GET',
    path: '/transactions',
    async handle(req, { bank }) {
      const me = await principalOf(req, bank);
      const { bankCode, accountNumber, limit, cursor } = parse(s.transactionsQuery, queryObject(req), 'transactions query');
      const page = await bank.history(me, { bankCode, accountNumber }, { limit, cursor });
      return json(200, { data: page.entries.map(entryJson), nextCursor: page.nextCursor });
    },
  },
  {
    method: 'GET',
    path: '/healthz',
    async handle(_req, { bank }) {
      await bank.ping();
      return json(200, { status: 'ok' });
    },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    async handle(_req, { openapi }) {
      return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }, body: openapi() };
    },
  },
];
