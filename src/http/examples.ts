// Examples for /openapi.json: one consistent story (alice deposits 10.00, withdraws 2.50, pays bob 5.00), each
// valid against its schema (`redocly lint` checks) and true to what the server answers.

export const ref = { bankCode: 'BANK1', accountNumber: '00010001' };
export const payee = { bankCode: 'BANK1', accountNumber: '00020001' };
const world = { bankCode: '@world', accountNumber: 'USD' };
const at = (minute: number) => `2026-11-25T12:${String(minute).padStart(2, '0')}:00.000Z`;

export const credentials = { username: 'alice', password: 'correct horse battery staple' };
export const tokenForm = { grant_type: 'password', ...credentials };
export const token = { access_token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMTkzN2YxYyJ9.c2lnbmF0dXJl', token_type: 'bearer', expires_in: 900 };
export const changePassword = { currentPassword: 'correct horse battery staple', newPassword: 'a new and longer passphrase' };
export const user = { id: '01937f1c-0000-7000-8000-000000000001', username: 'alice', createdAt: at(0) };

const account = (balance: number, pending = 0) => ({
  id: '01937f1c-0000-7000-8000-0000000000a1',
  ...ref,
  currency: 'USD',
  balance,
  pending,
  available: balance - pending,
  status: 'active',
  overdraftLimit: 0,
  createdAt: at(1),
});
export const newAccount = account(0);

const transaction = (id: string, type: string, amount: number, legs: Array<[{ bankCode: string; accountNumber: string }, number]>, minute: number, reference: string | null = null) => ({
  id: `01937f1c-0000-7000-8000-0000000000${id}`,
  type,
  amount,
  currency: 'USD',
  legs: legs.map(([r, a]) => ({ ...r, amount: a })),
  reference,
  metadata: {},
  reversalOf: null,
  reversedBy: null,
  holdId: null,
  createdAt: at(minute),
});

const depositTx = { ...transaction('c1', 'deposit', 1000, [[ref, 1000], [world, -1000]], 2, 'salary'), metadata: { source: 'payroll' } };
export const deposited = { transaction: depositTx, account: account(1000) };
export const withdrawn = { transaction: transaction('c2', 'withdrawal', 250, [[ref, -250], [world, 250]], 3), account: account(750) };
export const transferred = { transaction: transaction('c3', 'transfer', 500, [[ref, -500], [payee, 500]], 4, 'rent'), account: account(250) };
export const accountsPage = { accounts: [account(250)], nextCursor: null };

const entry = (t: { id: string; type: string; reference: string | null; metadata: Record<string, string>; createdAt: string }, sequence: number, amount: number, balanceAfter: number, counterparty: typeof payee | null) => ({
  id: `${t.id}:0`,
  transactionId: t.id,
  sequence,
  type: t.type,
  amount,
  balanceAfter,
  currency: 'USD',
  counterparty,
  reference: t.reference,
  metadata: t.metadata,
  createdAt: t.createdAt,
});
export const entriesPage = {
  data: [entry(transferred.transaction, 3, -500, 250, payee), entry(withdrawn.transaction, 2, -250, 750, null), entry(depositTx, 1, 1000, 1000, null)],
  nextCursor: null,
};

export const hold = {
  id: '01937f1c-0000-7000-8000-0000000000b1',
  status: 'pending',
  from: ref,
  to: world,
  amount: 200,
  currency: 'USD',
  capturedAmount: 0,
  expiresAt: '2026-11-26T12:00:00.000Z',
  reference: 'card authorisation',
  metadata: { merchant: 'coffee-shop' },
  createdAt: at(5),
  resolvedAt: null,
  transactionId: null,
};

export const funded = { transaction: transaction('c4', 'fund', 5000, [[ref, 5000], [world, -5000]], 6, 'opening credit'), accounts: [account(5250)] };
export const captured = {
  transaction: { ...transaction('c5', 'capture', 150, [[ref, -150], [world, 150]], 7, 'card authorisation'), holdId: hold.id, metadata: hold.metadata },
  accounts: [account(5100)],
  hold: { ...hold, status: 'captured', capturedAmount: 150, resolvedAt: at(7), transactionId: '01937f1c-0000-7000-8000-0000000000c5' },
};
export const frozenAccount = { ...account(5100), status: 'frozen' };
export const pointInTime = { ...ref, currency: 'USD', balance: 750, asOf: '2026-11-25T12:03:30.000Z', sequence: 2 };
export const verified = { ok: true, accountsChecked: 3, entriesChecked: 9, transactionsChecked: 5, problems: [] };
