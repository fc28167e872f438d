// The data and rules every peer serves, so each does the same work: one user, one account, HS256 bearer
// tokens, a deposit that validates, updates the balance and appends a ledger entry.
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const SECRET = 'benchmark-secret-of-at-least-32-bytes!!';
export const ISSUER = 'bench';
export const USER_ID = 'u-1';
export const account = { id: 'a-1', ownerId: USER_ID, bankCode: 'BENCH', accountNumber: 'HTTP0001', currency: 'USD', balance: 1_000_000, createdAt: new Date() };
export const ledger = [];
export const token = jwt.sign({ sub: USER_ID }, SECRET, { algorithm: 'HS256', expiresIn: '15m', issuer: ISSUER, audience: ISSUER });

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

const publicAccount = (a) => ({ id: a.id, bankCode: a.bankCode, accountNumber: a.accountNumber, currency: a.currency, balance: a.balance, createdAt: a.createdAt });
export const balances = (userId) => ({ accounts: account.ownerId === userId ? [publicAccount(account)] : [] });

/** Validates and applies a deposit: `{ status, body }`. */
export function deposit(userId, body) {
  const { bankCode, accountNumber, amount } = body ?? {};
  if (typeof bankCode !== 'string' || typeof accountNumber !== 'string' || !Number.isSafeInteger(amount) || amount <= 0) {
    return { status: 422, body: { detail: 'invalid deposit' } };
  }
  if (bankCode !== account.bankCode || accountNumber !== account.accountNumber || account.ownerId !== userId) {
    return { status: 404, body: { detail: 'account not found' } };
  }
  account.balance += amount;
  const transaction = { id: randomUUID(), type: 'deposit', amount, currency: account.currency, createdAt: new Date() };
  ledger.push({ ...transaction, accountId: account.id, balanceAfter: account.balance });
  return { status: 201, body: { transaction, account: publicAccount(account) } };
}
