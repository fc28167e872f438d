import type { z } from 'zod';
import type * as s from '../wire/schemas.js';
import type { AccountRef, AccountResponse, EntryResponse, HistoryPageResponse, HistoryQuery, HoldResponse, MovementOptions, PointInTimeResponse, TransactionResponse } from './index.js';
import { createTransport, query, segment, type TransportOptions } from './transport.js';

/** Options of {@link createOperatorClient}. */
export interface OperatorClientOptions extends TransportOptions {
  /** An operator key from `bankcore operator-key create` (`bko_…`). */
  operatorKey: string;
}

type OperatorResult = z.output<typeof s.operatorResultResponse>;
type CaptureResult = z.output<typeof s.captureResponse>;
type Movement = AccountRef & { amount: number; reference?: string; metadata?: Record<string, string> };

const iso = (t: string | Date | undefined) => (t instanceof Date ? t.toISOString() : t);

/**
 * Creates a typed client for the operator API (`/admin`) of a bankcore HTTP server, authenticated by an operator
 * key. Movements carry an `Idempotency-Key` (kept across retries) and are retried like the customer client's.
 * Errors are `BankError`s: FORBIDDEN when the key lacks the scope, INVALID_TOKEN when it is unknown or revoked.
 *
 * @example
 * ```ts
 * const ops = createOperatorClient({ baseUrl: 'http://127.0.0.1:8000', operatorKey: process.env.BANK_OPERATOR_KEY! });
 * await ops.fund({ bankCode: 'BANK1', accountNumber: '00010001', amount: 5000, reference: 'opening credit' });
 * ```
 */
export function createOperatorClient(options: OperatorClientOptions) {
  const send = createTransport(options, () => options.operatorKey);
  const key = (o?: MovementOptions) => o?.idempotencyKey ?? crypto.randomUUID();
  const account = (ref: AccountRef) => `/admin/accounts/${segment(ref.bankCode)}/${segment(ref.accountNumber)}`;
  const post = <T>(path: string, json: unknown, o?: MovementOptions) => send<T>({ method: 'POST', path, json, auth: true, idempotencyKey: key(o), retry: true });
  // Settings changes are not keyed; they are safe to repeat (the same state results), so they are retried too.
  const set = <T>(path: string, json?: unknown) => send<T>({ method: 'POST', path, json, auth: true, retry: true });
  const get = <T>(path: string) => send<T>({ method: 'GET', path, auth: true, retry: true });

  return {
    /** Credits a customer account from the bank. */
    fund: (input: Movement, o?: MovementOptions) => post<OperatorResult>('/admin/fund', input, o),
    /** Debits a customer account to the bank. */
    payout: (input: Movement, o?: MovementOptions) => post<OperatorResult>('/admin/payout', input, o),
    /** Posts an N-leg transaction; legs sum to zero per currency. Throws UNBALANCED_TRANSACTION. */
    post: (input: { legs: Array<AccountRef & { amount: number }>; reference?: string; metadata?: Record<string, string> }, o?: MovementOptions) => post<OperatorResult>('/admin/transactions', input, o),
    /** Holds money on an account until captured, voided or expired. */
    hold: (input: { from: AccountRef; to?: AccountRef; amount: number; expiresAt?: string | Date; reference?: string; metadata?: Record<string, string> }, o?: MovementOptions) =>
      post<HoldResponse>('/admin/holds', { ...input, expiresAt: iso(input.expiresAt) }, o),
    /** Captures a pending hold, whole or `amount` of it. Throws HOLD_NOT_PENDING, HOLD_EXPIRED. */
    captureHold: (holdId: string, input: { amount?: number } = {}, o?: MovementOptions) => post<CaptureResult>(`/admin/holds/${segment(holdId)}/capture`, input, o),
    /** Voids a pending hold. Throws HOLD_NOT_PENDING. */
    voidHold: (holdId: string) => set<HoldResponse>(`/admin/holds/${segment(holdId)}/void`),
    /** Releases every pending hold past its expiry. */
    expireHolds: () => set<{ expired: number }>('/admin/holds/expire'),
    /** Reverses a transaction once. Throws ALREADY_REVERSED. */
    reverse: (transactionId: string, input: { reason?: string } = {}, o?: MovementOptions) => post<OperatorResult>(`/admin/transactions/${segment(transactionId)}/reverse`, input, o),
    freezeAccount: (ref: AccountRef) => set<AccountResponse>(`${account(ref)}/freeze`),
    unfreezeAccount: (ref: AccountRef) => set<AccountResponse>(`${account(ref)}/unfreeze`),
    /** Closes an account at a zero balance with no open hold. Throws ACCOUNT_NOT_EMPTY. */
    closeAccount: (ref: AccountRef) => set<AccountResponse>(`${account(ref)}/close`),
    setOverdraftLimit: (ref: AccountRef, overdraftLimit: number) => set<AccountResponse>(`${account(ref)}/overdraft-limit`, { overdraftLimit }),
    getAccount: (ref: AccountRef) => get<AccountResponse>(account(ref)),
    async history(ref: AccountRef, range: HistoryQuery = {}): Promise<HistoryPageResponse> {
      const page = await get<{ data: EntryResponse[]; nextCursor: string | null }>(`${account(ref)}/transactions${query({ limit: range.limit, cursor: range.cursor, from: iso(range.from), to: iso(range.to) })}`);
      return { entries: page.data, nextCursor: page.nextCursor };
    },
    balanceAt: (ref: AccountRef, at: string | Date) => get<PointInTimeResponse>(`${account(ref)}/balance${query({ at: iso(at) })}`),
    listHolds: async (ref: AccountRef, options: { status?: HoldResponse['status'] } = {}) => (await get<{ holds: HoldResponse[] }>(`${account(ref)}/holds${query(options)}`)).holds,
    getHold: (holdId: string) => get<HoldResponse>(`/admin/holds/${segment(holdId)}`),
    getTransaction: (id: string) => get<TransactionResponse>(`/admin/transactions/${segment(id)}`),
    /** Checks that the books balance (reads the whole ledger). */
    verify: () => get<z.output<typeof s.verifyResponse>>('/admin/verify'),
  };
}

/** A client made by {@link createOperatorClient}. */
export type OperatorClient = ReturnType<typeof createOperatorClient>;
