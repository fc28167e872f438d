import { z } from 'zod';
import { isBankError, schemas, usernameKey, type Bank, type HistoryOptions, type MovementResult, type Principal } from 'bankcore';
import { tokenErrorResponse } from './oauth.js';
import { queryObject, readPayload, type HttpRequest } from './request.js';
import { accountJson, accountsPage, created, csvStatement, entryJson, holdJson, json, pointInTimeJson, transactionJson } from './responses.js';
import type { Route } from './route.js';
import * as s from '../wire/schemas.js';
import * as ex from './examples.js';

const parse = schemas.parseInput;

// The fast checks of the movement bodies (see `schemas.FastCheck`): the core checks each movement again, and these
// two parses were 4 % of a POST /deposit's CPU.
const { plainFields, fastAccountRef, fastAccountNumber, fastAmount, fastBankCode, fastIdempotencyKey, withOptionalFields } = schemas;
const MOVEMENT_KEYS: ReadonlySet<string> = new Set(['bankCode', 'accountNumber', 'amount', 'reference', 'metadata']);
const TRANSFER_KEYS: ReadonlySet<string> = new Set(['from', 'to', 'amount', 'reference', 'metadata']);

/** The fast check of {@link s.movementBody}. */
export const fastMovementBody: schemas.FastCheck<z.output<typeof s.movementBody>> = (input) => {
  const fields = plainFields(input, MOVEMENT_KEYS);
  if (!fields) return undefined;
  const bankCode = fastBankCode(fields['bankCode']);
  const accountNumber = fastAccountNumber(fields['accountNumber']);
  const amount = fastAmount(fields['amount'], Number.MAX_SAFE_INTEGER);
  return bankCode !== undefined && accountNumber !== undefined && amount !== undefined ? withOptionalFields(fields, { bankCode, accountNumber, amount }) : undefined;
};

/** The fast check of {@link s.transferBody}. */
export const fastTransferBody: schemas.FastCheck<z.output<typeof s.transferBody>> = (input) => {
  const fields = plainFields(input, TRANSFER_KEYS);
  if (!fields) return undefined;
  const from = fastAccountRef(fields['from']);
  const to = fastAccountRef(fields['to']);
  const amount = fastAmount(fields['amount'], Number.MAX_SAFE_INTEGER);
  return from && to && amount !== undefined ? withOptionalFields(fields, { from, to, amount }) : undefined;
};

const movementJson = (result: MovementResult) => created({ transaction: transactionJson(result.transaction), account: accountJson(result.account) }, result.replayed);

/**
 * The `Idempotency-Key` header, validated; undefined when the request has none. Routes name it as their input's
 * `idempotencyKey` field rather than spreading an object in: a spread takes V8's generic copy (2 % of a POST
 * /transfer's CPU).
 */
export function idempotencyKey(req: HttpRequest): string | undefined {
  const raw = req.header('idempotency-key');
  return raw === undefined ? undefined : parse(s.idempotencyKeyHeader, raw, 'Idempotency-Key header', fastIdempotencyKey);
}

function movement(kind: 'deposit' | 'withdraw'): Route['handle'] {
  return async (req, { bank, principal }) => {
    const me = await principal(req);
    const { bankCode, accountNumber, amount, reference, metadata } = parse(s.movementBody, await readPayload(req), 'request body', fastMovementBody);
    return movementJson(await bank[kind](me, { account: { bankCode, accountNumber }, amount, reference, metadata, idempotencyKey: idempotencyKey(req) }));
  };
}

/** Every page of a history, for a statement. */
async function* allPages(bank: Bank, me: Principal, ref: { bankCode: string; accountNumber: string }, options: HistoryOptions) {
  let cursor: string | null = options.cursor ?? null;
  do {
    const page = await bank.history(me, ref, { ...options, limit: 100, cursor });
    yield page.entries;
    cursor = page.nextCursor;
  } while (cursor !== null);
}

const wantsCsv = (req: HttpRequest) => /(^|,)\s*text\/csv\b/i.test(req.header('accept') ?? '');

/** The customer endpoints: the seed's five paths and what ledger v2 adds. */
export const ROUTES: Route[] = [
  {
    method: 'POST',
    path: '/createUser',
    doc: { operationId: 'createUser', tag: 'auth', summary: 'Register a user', auth: 'public', body: { schema: s.createUserBody, example: ex.credentials }, ok: { status: 201, description: 'Registered', schema: s.userResponse, example: ex.user }, errors: ['USERNAME_TAKEN', 'RATE_LIMITED'] },
    async handle(req, { bank, limit, rules, admitHashing }) {
      await limit(rules.createUserPerAddress, `createUser:addr:${req.clientAddress}`);
      // The wire body is exactly the core's input (`createUserBody` is its schema): the core validates it.
      const body = (await readPayload(req)) as { username: string; password: string };
      const user = await admitHashing(req.clientAddress, () => bank.register(body));
      return json(201, { id: user.id, username: user.username, createdAt: user.createdAt });
    },
  },
  {
    method: 'POST',
    path: '/token',
    doc: {
      operationId: 'createToken',
      tag: 'auth',
      summary: 'Get a bearer token (OAuth 2.0 password grant)',
      description: 'A failed grant answers 400 with RFC 6749 §5.2 `error` and `error_description`, in a body that is also a problem document.',
      auth: 'public',
      body: { schema: s.tokenBody, example: ex.tokenForm, form: true },
      ok: { status: 200, description: 'A token', schema: s.tokenResponse, example: ex.token },
      errors: ['INVALID_CREDENTIALS', 'RATE_LIMITED'],
    },
    async handle(req, { bank, limit, rules, admitHashing }) {
      try {
        await limit(rules.tokenPerAddress, `token:addr:${req.clientAddress}`);
        const body = parse(s.tokenBody, await readPayload(req, { form: true }), 'request body');
        const user = usernameKey(body.username);
        await limit(rules.tokenPerUsernameAndAddress, `token:user-addr:${user}\u0000${req.clientAddress}`);
        await limit(rules.tokenPerUsername, `token:user:${user}`);
        if (body.grant_type !== undefined && body.grant_type !== 'password') return tokenErrorResponse('unsupported_grant_type', 'Only the password grant is supported');
        const token = await admitHashing(req.clientAddress, () => bank.login({ username: body.username, password: body.password }));
        return json(200, { access_token: token.accessToken, token_type: token.tokenType, expires_in: token.expiresIn }, { pragma: 'no-cache' });
      } catch (error) {
        return tokenErrorResponse(error);
      }
    },
  },
  {
    method: 'POST',
    path: '/changePassword',
    doc: { operationId: 'changePassword', tag: 'auth', summary: 'Change the password; revokes every earlier token', auth: 'customer', body: { schema: s.changePasswordBody, example: ex.changePassword }, ok: { status: 204, description: 'Changed' }, errors: ['INVALID_CREDENTIALS', 'RATE_LIMITED'] },
    async handle(req, { bank, limit, rules, admitHashing, principal }) {
      const me = await principal(req);
      await limit(rules.changePasswordPerUser, `changePassword:user:${me.userId}`);
      await limit(rules.changePasswordPerAddress, `changePassword:addr:${req.clientAddress}`);
      const body = (await readPayload(req)) as { currentPassword: string; newPassword: string };
      await admitHashing(req.clientAddress, () => bank.changePassword(me, body));
      return { status: 204, headers: { 'cache-control': 'no-store' }, body: null };
    },
  },
  {
    method: 'POST',
    path: '/addAccount',
    doc: { operationId: 'addAccount', tag: 'accounts', summary: 'Open an account', auth: 'customer', body: { schema: s.addAccountBody, example: { ...ex.ref, currency: 'USD' } }, ok: { status: 201, description: 'Opened', schema: s.accountResponse, example: ex.newAccount }, errors: ['ACCOUNT_EXISTS', 'LIMIT_EXCEEDED', 'RATE_LIMITED'] },
    async handle(req, { bank, limit, rules, principal }) {
      const me = await principal(req);
      await limit(rules.addAccountPerUser, `addAccount:user:${me.userId}`);
      const body = parse(s.addAccountBody, await readPayload(req), 'request body');
      return json(201, accountJson(await bank.openAccount(me, body)));
    },
  },
  {
    method: 'POST',
    path: '/deposit',
    doc: {
      operationId: 'deposit',
      tag: 'money',
      summary: 'Deposit into an own account',
      description: 'Refused with 403 FORBIDDEN when the bank turns self-service deposits off (then money enters through `/admin/fund`).',
      auth: 'customer',
      idempotent: true,
      body: { schema: s.movementBody, example: { ...ex.ref, amount: 1000, reference: 'salary', metadata: { source: 'payroll' } } },
      ok: { status: 201, description: 'Posted (a replay says Idempotent-Replayed: true)', schema: s.movementResponse, example: ex.deposited },
      errors: ['FORBIDDEN', 'ACCOUNT_NOT_FOUND', 'ACCOUNT_FROZEN', 'ACCOUNT_CLOSED', 'IDEMPOTENCY_KEY_REUSED', 'LIMIT_EXCEEDED'],
    },
    handle: movement('deposit'),
  },
  {
    method: 'POST',
    path: '/withdraw',
    doc: { operationId: 'withdraw', tag: 'money', summary: 'Withdraw from an own account', auth: 'customer', idempotent: true, body: { schema: s.movementBody, example: { ...ex.ref, amount: 250 } }, ok: { status: 201, description: 'Posted', schema: s.movementResponse, example: ex.withdrawn }, errors: ['ACCOUNT_NOT_FOUND', 'INSUFFICIENT_FUNDS', 'ACCOUNT_FROZEN', 'ACCOUNT_CLOSED', 'IDEMPOTENCY_KEY_REUSED', 'LIMIT_EXCEEDED'] },
    handle: movement('withdraw'),
  },
  {
    method: 'POST',
    path: '/transfer',
    doc: { operationId: 'transfer', tag: 'money', summary: 'Transfer from an own account to any account', auth: 'customer', idempotent: true, body: { schema: s.transferBody, example: { from: ex.ref, to: ex.payee, amount: 500, reference: 'rent' } }, ok: { status: 201, description: 'Posted; the body holds the source account after it', schema: s.movementResponse, example: ex.transferred }, errors: ['ACCOUNT_NOT_FOUND', 'INSUFFICIENT_FUNDS', 'CURRENCY_MISMATCH', 'ACCOUNT_FROZEN', 'ACCOUNT_CLOSED', 'IDEMPOTENCY_KEY_REUSED', 'LIMIT_EXCEEDED', 'RATE_LIMITED'] },
    async handle(req, { bank, limit, rules, principal }) {
      const me = await principal(req);
      const { from, to, amount, reference, metadata } = parse(s.transferBody, await readPayload(req), 'request body', fastTransferBody);
      try {
        return movementJson(await bank.transfer(me, { from, to, amount, reference, metadata, idempotencyKey: idempotencyKey(req) }));
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
    doc: {
      operationId: 'getBalances',
      tag: 'accounts',
      summary: 'Own accounts with balances, a page at a time; one account by query; or its balance at a past time (`at`)',
      description: 'With `at`, the answer is a PointInTimeBalance instead of a page of accounts.',
      auth: 'customer',
      query: s.balanceQuery,
      ok: { status: 200, description: 'A page of accounts, or with `at` a point-in-time balance', schema: z.union([s.accountsPage, s.pointInTimeResponse]), example: ex.accountsPage },
      errors: ['ACCOUNT_NOT_FOUND'],
    },
    async handle(req, { bank, principal }) {
      const me = await principal(req);
      // The common case, no query, skips parsing altogether.
      const query = req.query.size === 0 ? {} : parse(s.balanceQuery, queryObject(req), 'query');
      if (query.bankCode !== undefined && query.accountNumber !== undefined) {
        const ref = { bankCode: query.bankCode, accountNumber: query.accountNumber };
        const account = await bank.getAccount(me, ref);
        if (query.at !== undefined) return json(200, pointInTimeJson(account, await bank.balanceAt(me, ref, query.at)));
        return accountsPage([account], null);
      }
      // Pages of at most `limit` (default 100): one user's list never becomes one huge response.
      const all = await bank.balances(me);
      const start = query.cursor === undefined ? 0 : Number(query.cursor);
      const end = start + (query.limit ?? 100);
      return accountsPage(all.slice(start, end), end < all.length ? String(end) : null);
    },
  },
  {
    method: 'GET',
    path: '/transactions',
    doc: {
      operationId: 'listTransactions',
      tag: 'accounts',
      summary: 'Ledger entries of an own account, newest first, in a time range',
      description: 'With `Accept: text/csv`, the whole range as one CSV statement (every page, streamed; newest first).',
      auth: 'customer',
      query: s.transactionsQuery,
      ok: { status: 200, description: 'A page of entries (or a CSV statement)', schema: s.entriesPage, example: ex.entriesPage, csv: true },
      errors: ['ACCOUNT_NOT_FOUND'],
    },
    async handle(req, { bank, principal }) {
      const me = await principal(req);
      const { bankCode, accountNumber, ...options } = parse(s.transactionsQuery, queryObject(req), 'query');
      const ref = { bankCode, accountNumber };
      if (wantsCsv(req)) {
        await bank.getAccount(me, ref); // refuse before the 200 is sent, not in the middle of the stream
        const name = `statement-${bankCode}-${accountNumber}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
        return { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store', 'content-disposition': `attachment; filename="${name}"` }, body: null, stream: csvStatement(allPages(bank, me, ref, options)) };
      }
      const page = await bank.history(me, ref, options);
      return json(200, { data: page.entries.map(entryJson), nextCursor: page.nextCursor });
    },
  },
  {
    method: 'GET',
    path: '/transactions/{id}',
    doc: { operationId: 'getTransaction', tag: 'accounts', summary: 'A transaction with a leg on one of your accounts', auth: 'customer', params: { id: 'The transaction id' }, ok: { status: 200, description: 'The transaction', schema: s.transactionResponse, example: ex.deposited.transaction }, errors: ['TRANSACTION_NOT_FOUND'] },
    async handle(req, { bank, principal }, { id }) {
      return json(200, transactionJson(await bank.getTransaction(await principal(req), id!)));
    },
  },
  {
    method: 'GET',
    path: '/holds',
    doc: { operationId: 'listHolds', tag: 'holds', summary: 'The open holds on an own account', auth: 'customer', query: s.holdsQuery, ok: { status: 200, description: 'Open holds, oldest first', schema: s.holdsList, example: { holds: [ex.hold] } }, errors: ['ACCOUNT_NOT_FOUND'] },
    async handle(req, { bank, principal }) {
      const me = await principal(req);
      const ref = parse(s.holdsQuery, queryObject(req), 'query');
      return json(200, { holds: (await bank.holds(me, ref)).map(holdJson) });
    },
  },
  {
    method: 'GET',
    path: '/healthz',
    doc: { operationId: 'health', tag: 'ops', summary: 'Liveness and storage check', auth: 'public', ok: { status: 200, description: 'Healthy', schema: s.healthResponse, example: { status: 'ok' } }, errors: ['STORAGE_UNAVAILABLE'] },
    async handle(_req, { bank }) {
      await bank.ping();
      return json(200, { status: 'ok' });
    },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    doc: { operationId: 'getOpenApiDocument', tag: 'ops', summary: 'This document (OpenAPI 3.1)', auth: 'public', ok: { status: 200, description: 'The OpenAPI document' }, errors: [] },
    async handle(_req, { openapi }) {
      return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }, body: openapi() };
    },
  },
];
