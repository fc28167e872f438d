import { schemas, type AccountRef, type BankErrorCode, type OperatorResult, type OperatorScope } from 'bankcore';
import { queryObject, readOptionalPayload, readPayload, type HttpRequest } from './request.js';
import { accountJson, created, entryJson, holdJson, json, pointInTimeJson, transactionJson } from './responses.js';
import type { OperationDoc, Route, RouteContext } from './route.js';
import { idempotencyKey } from './routes.js';
import * as s from '../wire/schemas.js';
import * as ex from './examples.js';

// The operator API over HTTP: every method of `bank.operator`, under /admin, for operator keys only
// (`Authorization: Bearer bko_…`). A customer token is refused here, as an operator key is on customer routes.

const parse = schemas.parseInput;
const resultJson = (r: OperatorResult) => created({ transaction: transactionJson(r.transaction), accounts: r.accounts.map(accountJson) }, r.replayed);
const ACCOUNT = '/admin/accounts/{bankCode}/{accountNumber}';
const ACCOUNT_PARAMS = { bankCode: 'The bank code (`@world` for a settlement account)', accountNumber: 'The account number (the currency, for `@world`)' };
const refOf = (p: Record<string, string>): AccountRef => ({ bankCode: p['bankCode']!, accountNumber: p['accountNumber']! });
const MOVEMENT_ERRORS: BankErrorCode[] = ['ACCOUNT_NOT_FOUND', 'INSUFFICIENT_FUNDS', 'CURRENCY_MISMATCH', 'ACCOUNT_FROZEN', 'ACCOUNT_CLOSED', 'IDEMPOTENCY_KEY_REUSED', 'LIMIT_EXCEEDED', 'CONFLICT'];

type Handler = (req: HttpRequest, ctx: RouteContext, params: Record<string, string>) => Promise<ReturnType<typeof json>>;

/** An /admin route: the operator key is checked for the doc's scope before the handler runs. */
function admin(method: Route['method'], path: string, doc: Omit<OperationDoc, 'tag' | 'auth'> & { scope: OperatorScope }, handle: Handler): Route {
  const { scope, ...rest } = doc;
  return {
    method,
    path,
    doc: { ...rest, tag: 'admin', auth: scope },
    async handle(req, ctx, params) {
      await ctx.operator(req, scope);
      return handle(req, ctx, params);
    },
  };
}

function accountControl(action: 'freeze' | 'unfreeze' | 'close'): Route {
  const method = ({ freeze: 'freezeAccount', unfreeze: 'unfreezeAccount', close: 'closeAccount' } as const)[action];
  const summary = { freeze: 'Freeze an account: it refuses every movement but a reversal', unfreeze: 'Let a frozen account move money again', close: 'Close an account for good (at a zero balance, no open hold)' }[action];
  const errors: BankErrorCode[] = action === 'close' ? ['ACCOUNT_NOT_FOUND', 'ACCOUNT_CLOSED', 'ACCOUNT_NOT_EMPTY', 'CONFLICT'] : ['ACCOUNT_NOT_FOUND', 'ACCOUNT_CLOSED', 'CONFLICT'];
  return admin('POST', `${ACCOUNT}/${action}`, { operationId: `admin${method[0]!.toUpperCase()}${method.slice(1)}`, summary, scope: 'accounts:write', params: ACCOUNT_PARAMS, ok: { status: 200, description: 'The account after it', schema: s.accountResponse, example: ex.frozenAccount }, errors }, async (_req, { bank }, p) =>
    json(200, accountJson(await bank.operator[method](refOf(p)))),
  );
}

export const ADMIN_ROUTES: Route[] = [
  ...(['fund', 'payout'] as const).map((kind) =>
    admin(
      'POST',
      `/admin/${kind}`,
      {
        operationId: `admin${kind === 'fund' ? 'Fund' : 'Payout'}`,
        summary: kind === 'fund' ? 'Credit a customer account from the bank (money in)' : 'Debit a customer account to the bank (money out)',
        scope: 'funds:write',
        idempotent: true,
        body: { schema: s.fundBody, example: { ...ex.ref, amount: 5000, reference: 'opening credit' } },
        ok: { status: 201, description: 'Posted (a replay says Idempotent-Replayed: true)', schema: s.operatorResultResponse, example: ex.funded },
        errors: MOVEMENT_ERRORS,
      },
      async (req, { bank }) => {
        const { bankCode, accountNumber, ...rest } = parse(s.fundBody, await readPayload(req), 'request body');
        return resultJson(await bank.operator[kind]({ account: { bankCode, accountNumber }, ...rest, idempotencyKey: idempotencyKey(req) }));
      },
    ),
  ),
  admin(
    'POST',
    '/admin/transactions',
    { operationId: 'adminPost', summary: 'Post an N-leg transaction; legs sum to zero per currency', scope: 'funds:write', idempotent: true, body: { schema: s.postBody, example: { legs: [{ ...ex.ref, amount: -300 }, { ...ex.payee, amount: 300 }], reference: 'fee refund' } }, ok: { status: 201, description: 'Posted', schema: s.operatorResultResponse, example: ex.funded }, errors: [...MOVEMENT_ERRORS, 'UNBALANCED_TRANSACTION'] },
    async (req, { bank }) => {
      const { legs, ...rest } = parse(s.postBody, await readPayload(req), 'request body');
      return resultJson(await bank.operator.post({ legs: legs.map(({ amount, ...account }) => ({ account, amount })), ...rest, idempotencyKey: idempotencyKey(req) }));
    },
  ),
  admin('GET', '/admin/transactions/{id}', { operationId: 'adminGetTransaction', summary: 'Any transaction by id', scope: 'ledger:read', params: { id: 'The transaction id' }, ok: { status: 200, description: 'The transaction', schema: s.transactionResponse, example: ex.deposited.transaction }, errors: ['TRANSACTION_NOT_FOUND'] }, async (_req, { bank }, p) =>
    json(200, transactionJson(await bank.operator.getTransaction(p['id']!))),
  ),
  admin(
    'POST',
    '/admin/transactions/{id}/reverse',
    { operationId: 'adminReverse', summary: 'Reverse a transaction: post its legs negated, once', scope: 'funds:write', idempotent: true, params: { id: 'The transaction to reverse' }, body: { schema: s.reverseBody, example: { reason: 'posted in error' }, optional: true }, ok: { status: 201, description: 'The reversal', schema: s.operatorResultResponse, example: ex.funded }, errors: [...MOVEMENT_ERRORS, 'TRANSACTION_NOT_FOUND', 'ALREADY_REVERSED'] },
    async (req, { bank }, p) => resultJson(await bank.operator.reverse(p['id']!, { ...parse(s.reverseBody, await readOptionalPayload(req), 'request body'), idempotencyKey: idempotencyKey(req) })),
  ),
  admin(
    'POST',
    '/admin/holds',
    { operationId: 'adminCreateHold', summary: 'Hold money on an account: it leaves `available` until captured, voided or expired', scope: 'holds:write', idempotent: true, body: { schema: s.holdBody, example: { from: ex.ref, amount: 200, expiresAt: '2026-11-26T12:00:00Z', reference: 'card authorisation', metadata: { merchant: 'coffee-shop' } } }, ok: { status: 201, description: 'The hold', schema: s.holdResponse, example: ex.hold }, errors: MOVEMENT_ERRORS },
    async (req, { bank }) => {
      const body = parse(s.holdBody, await readPayload(req), 'request body');
      const hold = await bank.operator.hold({ ...body, idempotencyKey: idempotencyKey(req) });
      return created(holdJson(hold), hold.replayed);
    },
  ),
  admin('POST', '/admin/holds/expire', { operationId: 'adminExpireHolds', summary: 'Release every pending hold past its expiry', scope: 'holds:write', ok: { status: 200, description: 'How many expired', schema: s.expiredResponse, example: { expired: 2 } }, errors: [] }, async (_req, { bank }) =>
    json(200, await bank.operator.expireHolds()),
  ),
  admin('GET', '/admin/holds/{id}', { operationId: 'adminGetHold', summary: 'A hold by id', scope: 'ledger:read', params: { id: 'The hold id' }, ok: { status: 200, description: 'The hold', schema: s.holdResponse, example: ex.hold }, errors: ['HOLD_NOT_FOUND'] }, async (_req, { bank }, p) =>
    json(200, holdJson(await bank.operator.getHold(p['id']!))),
  ),
  admin(
    'POST',
    '/admin/holds/{id}/capture',
    { operationId: 'adminCaptureHold', summary: 'Capture a pending hold, whole or in part', scope: 'holds:write', idempotent: true, params: { id: 'The hold id' }, body: { schema: s.captureBody, example: { amount: 150 }, optional: true }, ok: { status: 201, description: 'The capture', schema: s.captureResponse, example: ex.captured }, errors: [...MOVEMENT_ERRORS, 'HOLD_NOT_FOUND', 'HOLD_NOT_PENDING', 'HOLD_EXPIRED'] },
    async (req, { bank }, p) => {
      const result = await bank.operator.captureHold(p['id']!, { ...parse(s.captureBody, await readOptionalPayload(req), 'request body'), idempotencyKey: idempotencyKey(req) });
      return created({ transaction: transactionJson(result.transaction), accounts: result.accounts.map(accountJson), hold: holdJson(result.hold) }, result.replayed);
    },
  ),
  admin('POST', '/admin/holds/{id}/void', { operationId: 'adminVoidHold', summary: 'Void a pending hold: its money is available again', scope: 'holds:write', params: { id: 'The hold id' }, ok: { status: 200, description: 'The hold, voided', schema: s.holdResponse, example: { ...ex.hold, status: 'voided', resolvedAt: '2026-11-25T12:30:00.000Z' } }, errors: ['HOLD_NOT_FOUND', 'HOLD_NOT_PENDING', 'CONFLICT'] }, async (_req, { bank }, p) =>
    json(200, holdJson(await bank.operator.voidHold(p['id']!))),
  ),
  admin('GET', ACCOUNT, { operationId: 'adminGetAccount', summary: 'Any account, settlement accounts included', scope: 'ledger:read', params: ACCOUNT_PARAMS, ok: { status: 200, description: 'The account', schema: s.accountResponse, example: ex.deposited.account }, errors: ['ACCOUNT_NOT_FOUND'] }, async (_req, { bank }, p) =>
    json(200, accountJson(await bank.operator.getAccount(refOf(p)))),
  ),
  admin('GET', `${ACCOUNT}/transactions`, { operationId: 'adminListTransactions', summary: 'Any account’s ledger entries, newest first, in a time range', scope: 'ledger:read', params: ACCOUNT_PARAMS, query: s.adminHistoryQuery, ok: { status: 200, description: 'A page of entries', schema: s.entriesPage, example: ex.entriesPage }, errors: ['ACCOUNT_NOT_FOUND'] }, async (req, { bank }, p) => {
    const page = await bank.operator.history(refOf(p), parse(s.adminHistoryQuery, queryObject(req), 'query'));
    return json(200, { data: page.entries.map(entryJson), nextCursor: page.nextCursor });
  }),
  admin('GET', `${ACCOUNT}/balance`, { operationId: 'adminBalanceAt', summary: 'Any account’s balance at a point in time', scope: 'ledger:read', params: ACCOUNT_PARAMS, query: s.adminBalanceQuery, ok: { status: 200, description: 'The balance then', schema: s.pointInTimeResponse, example: ex.pointInTime }, errors: ['ACCOUNT_NOT_FOUND'] }, async (req, { bank }, p) => {
    const { at } = parse(s.adminBalanceQuery, queryObject(req), 'query');
    const account = await bank.operator.getAccount(refOf(p));
    return json(200, pointInTimeJson(account, await bank.operator.balanceAt(refOf(p), at)));
  }),
  admin('GET', `${ACCOUNT}/holds`, { operationId: 'adminListHolds', summary: 'Any account’s holds, oldest first', scope: 'ledger:read', params: ACCOUNT_PARAMS, query: s.adminHoldsQuery, ok: { status: 200, description: 'Holds', schema: s.holdsList, example: { holds: [ex.hold] } }, errors: ['ACCOUNT_NOT_FOUND'] }, async (req, { bank }, p) =>
    json(200, { holds: (await bank.operator.listHolds(refOf(p), parse(s.adminHoldsQuery, queryObject(req), 'query'))).map(holdJson) }),
  ),
  accountControl('freeze'),
  accountControl('unfreeze'),
  accountControl('close'),
  admin('POST', `${ACCOUNT}/overdraft-limit`, { operationId: 'adminSetOverdraftLimit', summary: 'Set how far below zero an account may go', scope: 'accounts:write', params: ACCOUNT_PARAMS, body: { schema: s.overdraftBody, example: { overdraftLimit: 10000 } }, ok: { status: 200, description: 'The account after it', schema: s.accountResponse, example: { ...ex.deposited.account, overdraftLimit: 10000, available: 1000 } }, errors: ['ACCOUNT_NOT_FOUND', 'ACCOUNT_CLOSED', 'INSUFFICIENT_FUNDS', 'CONFLICT'] }, async (req, { bank }, p) => {
    const { overdraftLimit } = parse(s.overdraftBody, await readPayload(req), 'request body');
    return json(200, accountJson(await bank.operator.setOverdraftLimit(refOf(p), overdraftLimit)));
  }),
  admin('GET', '/admin/verify', { operationId: 'adminVerify', summary: 'Check that the books balance (reads the whole ledger)', scope: 'ledger:read', ok: { status: 200, description: 'The report', schema: s.verifyResponse, example: ex.verified }, errors: [] }, async (_req, { bank }) =>
    json(200, await bank.verify()),
  ),
];
