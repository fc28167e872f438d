// The data and rules every peer serves, so each does the same work and sends the same response as bankcore's
// bench server (bench/servers/bankcore.mjs): one user with two accounts (the second is the payee of its transfer
// scenario), HS256 bearer tokens, the same fields in every account and transaction, and the same response headers
// (a request id, no-store, nosniff). A deposit validates, updates the balance and appends a ledger entry.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const SECRET = 'benchmark-secret-of-at-least-32-bytes!!';
export const ISSUER = 'bench';
export const USER_ID = 'u-1';
const opened = new Date();
const newAccount = (id, accountNumber, balance) => ({ id, ownerId: USER_ID, bankCode: 'BENCH', accountNumber, currency: 'USD', balance, pending: 0, status: 'active', overdraftLimit: 0, createdAt: opened });
export const accounts = [newAccount(randomUUID(), 'HTTP0001', 1_000_000), newAccount(randomUUID(), 'HTTP0002', 0)];
export const ledger = [];
export const token = jwt.sign({ sub: USER_ID }, SECRET, { algorithm: 'HS256', expiresIn: '15m', issuer: ISSUER, audience: ISSUER });

/** The headers bankcore sends with every answer, besides content-type and content-length. */
export const responseHeaders = () => ({ 'cache-control': 'no-store', 'x-request-id': randomUUID(), 'x-content-type-options': 'nosniff' });

/** The user id of a valid bearer token, or null. */
export function authenticate(header) {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return null;
  try {
    return jwt.verify(match[1], SECRET, { algorithms: ['HS256'], issuer: ISSUER, audience: ISSUER }).sub;
  } catch {
    return null;
  }
}

const publicAccount = (a) => ({
  id: a.id,
  bankCode: a.bankCode,
  accountNumber: a.accountNumber,
  currency: a.currency,
  balance: a.balance,
  pending: a.pending,
  available: a.balance - a.pending,
  status: a.status,
  overdraftLimit: a.overdraftLimit,
  createdAt: a.createdAt,
});
export const balances = (userId) => ({ accounts: accounts.filter((a) => a.ownerId === userId).map(publicAccount), nextCursor: null });

/** Validates and applies a deposit: `{ status, body }`. */
export function deposit(userId, body) {
  const { bankCode, accountNumber, amount } = body ?? {};
  if (typeof bankCode !== 'string' || typeof accountNumber !== 'string' || !Number.isSafeInteger(amount) || amount <= 0) {
    return { status: 422, body: { detail: 'invalid deposit' } };
  }
  const account = accounts.find((a) => a.bankCode === bankCode && a.accountNumber === accountNumber);
  if (!account || account.ownerId !== userId) return { status: 404, body: { detail: 'account not found' } };
  account.balance += amount;
  const legs = [{ bankCode, accountNumber, amount }, { bankCode: '@world', accountNumber: account.currency, amount: -amount }];
  const transaction = { id: randomUUID(), type: 'deposit', amount, currency: account.currency, legs, reference: null, metadata: {}, reversalOf: null, reversedBy: null, holdId: null, createdAt: new Date() };
  ledger.push({ ...transaction, accountId: account.id, balanceAfter: account.balance });
  return { status: 201, body: { transaction, account: publicAccount(account) } };
}
