import { z } from 'zod';
import { BANK_ERROR_CODES, EVENT_TYPES, OPERATOR_SCOPES, schemas as core } from 'bankcore';

// The shapes of the HTTP API, shared by the server (validation, /openapi.json) and the client (types). They reuse
// the core's field schemas, so a rule lives in one place. Each named schema carries an `id`: the OpenAPI document
// lists it once under components and refers to it everywhere else.

const ref = { bankCode: core.bankCodeSchema, accountNumber: core.accountNumberSchema };
const accountRef = z.strictObject(ref);
// The per-bank `maxAmount` is the core's to check; the wire only promises a positive safe integer.
const amount = core.amountSchema(Number.MAX_SAFE_INTEGER);
const metadata = core.metadataSchema.optional();
const reference = core.referenceSchema.optional();
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time, e.g. 2026-12-01T00:00:00Z' });
const oneTo100 = 'must be an integer from 1 to 100';
const limitParam = z.string().regex(/^[0-9]{1,3}$/, oneTo100).transform(Number).pipe(z.int().min(1, oneTo100).max(100, oneTo100));

/** `POST /createUser`: exactly the core's rules (NFKC username of 1–64 visible characters; password 12–1024). */
export const createUserBody = core.credentialsSchema;

/**
 * `POST /token`: OAuth 2.0's password grant (RFC 6749 §4.3). FastAPI's OAuth2PasswordRequestForm also sends
 * scope and client fields; they are accepted and ignored. A missing `grant_type` is read as `password`.
 */
export const tokenBody = z.object({
  grant_type: z.string().max(64).optional(),
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
  scope: z.string().max(1024).optional(),
  client_id: z.string().max(256).optional(),
  client_secret: z.string().max(256).optional(),
});

export const changePasswordBody = core.changePasswordSchema;
export const addAccountBody = z.strictObject({ ...ref, currency: core.currencySchema.optional() });
export const movementBody = z.strictObject({ ...ref, amount, reference, metadata });
export const transferBody = z.strictObject({ from: core.accountRefSchema, to: core.accountRefSchema, amount, reference, metadata });

export const balanceQuery = z
  .strictObject({
    bankCode: core.bankCodeSchema.optional(),
    accountNumber: core.accountNumberSchema.optional(),
    at: instant.optional(),
    limit: limitParam.optional(),
    cursor: z.string().regex(/^[1-9][0-9]{0,5}$/, 'is not a cursor returned by /balance').optional(),
  })
  .refine((q) => (q.bankCode === undefined) === (q.accountNumber === undefined), { message: 'bankCode and accountNumber go together', path: ['accountNumber'] })
  .refine((q) => q.at === undefined || q.bankCode !== undefined, { message: 'needs bankCode and accountNumber', path: ['at'] });

const historyParams = { limit: limitParam.optional(), cursor: z.string().max(64).optional(), from: instant.optional(), to: instant.optional() };
export const transactionsQuery = z.strictObject({ ...ref, ...historyParams });
export const holdsQuery = z.strictObject(ref);
export const idempotencyKeyHeader = core.idempotencyKeySchema;

// The operator API (`/admin`). Accounts are named in the path; `@world/<currency>` names a settlement account.
export const fundBody = z.strictObject({ ...ref, amount, reference, metadata });
export const postBody = z.strictObject({
  legs: z.array(z.strictObject({ bankCode: z.string().min(1).max(64), accountNumber: z.string().min(1).max(64), amount: z.int() })).min(2).max(32),
  reference,
  metadata,
});
export const holdBody = z.strictObject({ from: accountRef, to: z.strictObject({ bankCode: z.string().min(1).max(64), accountNumber: z.string().min(1).max(64) }).optional(), amount, expiresAt: instant.optional(), reference, metadata });
export const captureBody = z.strictObject({ amount: amount.optional() });
export const reverseBody = z.strictObject({ reason: reference });
export const overdraftBody = z.strictObject({ overdraftLimit: z.int().min(0) });
export const adminHistoryQuery = z.strictObject(historyParams);
export const adminHoldsQuery = z.strictObject({ status: z.enum(['pending', 'captured', 'voided', 'expired']).optional() });
export const adminBalanceQuery = z.strictObject({ at: instant });

// Responses.
const dateTime = z.iso.datetime();
const minor = (description: string) => z.int().meta({ description });
const transactionType = z.enum(['deposit', 'withdrawal', 'transfer', 'fund', 'payout', 'post', 'capture', 'reversal']);
const metadataOut = z.record(z.string(), z.string());

export const accountResponse = z
  .object({
    id: z.string(),
    bankCode: z.string(),
    accountNumber: z.string(),
    currency: z.string(),
    balance: minor('Posted balance in minor units (cents for USD)'),
    pending: minor('Held by open holds, in minor units'),
    available: minor('balance - pending: what a debit may use, down to -overdraftLimit'),
    status: z.enum(['active', 'frozen', 'closed']),
    overdraftLimit: minor('The balance may go down to -overdraftLimit'),
    createdAt: dateTime,
  })
  .meta({ id: 'Account' });

export const transactionResponse = z
  .object({
    id: z.string(),
    type: transactionType,
    amount: minor('The sum of the credit legs'),
    currency: z.string(),
    legs: z.array(z.object({ bankCode: z.string(), accountNumber: z.string(), amount: minor('Signed: credits positive, debits negative') })),
    reference: z.string().nullable(),
    metadata: metadataOut,
    reversalOf: z.string().nullable(),
    reversedBy: z.string().nullable(),
    holdId: z.string().nullable(),
    createdAt: dateTime,
  })
  .meta({ id: 'Transaction' });

export const movementResponse = z.object({ transaction: transactionResponse, account: accountResponse }).meta({ id: 'Movement' });

export const entryResponse = z
  .object({
    id: z.string(),
    transactionId: z.string(),
    sequence: z.int(),
    type: transactionType,
    amount: minor('Signed: credits positive, debits negative'),
    balanceAfter: z.int(),
    currency: z.string(),
    counterparty: z.object({ bankCode: z.string(), accountNumber: z.string() }).nullable(),
    reference: z.string().nullable(),
    metadata: metadataOut,
    createdAt: dateTime,
  })
  .meta({ id: 'LedgerEntry' });

const holdParty = z.object({ bankCode: z.string(), accountNumber: z.string() });
export const holdResponse = z
  .object({
    id: z.string(),
    status: z.enum(['pending', 'captured', 'voided', 'expired']),
    from: holdParty,
    to: holdParty,
    amount: z.int(),
    currency: z.string(),
    capturedAmount: z.int(),
    expiresAt: dateTime.nullable(),
    reference: z.string().nullable(),
    metadata: metadataOut,
    createdAt: dateTime,
    resolvedAt: dateTime.nullable(),
    transactionId: z.string().nullable(),
  })
  .meta({ id: 'Hold' });

export const pointInTimeResponse = z
  .object({ bankCode: z.string(), accountNumber: z.string(), currency: z.string(), balance: z.int(), asOf: dateTime, sequence: z.int().meta({ description: 'The entry that set it; 0 before the first' }) })
  .meta({ id: 'PointInTimeBalance' });

export const userResponse = z.object({ id: z.string(), username: z.string(), createdAt: dateTime }).meta({ id: 'User' });
export const tokenResponse = z.object({ access_token: z.string(), token_type: z.literal('bearer'), expires_in: z.int() }).meta({ id: 'Token' });
export const accountsPage = z.object({ accounts: z.array(accountResponse), nextCursor: z.string().nullable() }).meta({ id: 'AccountPage' });
export const entriesPage = z.object({ data: z.array(entryResponse), nextCursor: z.string().nullable() }).meta({ id: 'LedgerEntryPage' });
export const holdsList = z.object({ holds: z.array(holdResponse) }).meta({ id: 'HoldList' });
export const operatorResultResponse = z.object({ transaction: transactionResponse, accounts: z.array(accountResponse) }).meta({ id: 'OperatorResult' });
export const captureResponse = z.object({ transaction: transactionResponse, accounts: z.array(accountResponse), hold: holdResponse }).meta({ id: 'CaptureResult' });
export const verifyResponse = z
  .object({ ok: z.boolean(), accountsChecked: z.int(), entriesChecked: z.int(), transactionsChecked: z.int(), problems: z.array(z.object({ accountId: z.string().nullable(), transactionId: z.string().nullable(), message: z.string() })) })
  .meta({ id: 'VerifyReport' });
export const expiredResponse = z.object({ expired: z.int() }).meta({ id: 'ExpiredHolds' });
export const healthResponse = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export const problemResponseSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.enum(BANK_ERROR_CODES),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
    error: z.enum(['invalid_request', 'invalid_grant', 'unsupported_grant_type', 'slow_down']).optional().meta({ description: 'Only from /token: the RFC 6749 §5.2 error code' }),
    error_description: z.string().optional().meta({ description: 'Only from /token: the same as detail' }),
  })
  .meta({ id: 'Problem' });

export const operatorScopes = z.enum(OPERATOR_SCOPES);

// Webhook endpoints (`/admin/webhooks`).
const eventType = z.enum(EVENT_TYPES);
export const webhookBody = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048),
  types: z.array(eventType).min(1).optional().meta({ description: 'The event types to receive; all when left out' }),
});
export const webhookResponse = z
  .object({
    id: z.string(),
    url: z.string(),
    types: z.array(eventType).nullable(),
    createdAt: dateTime,
    position: z.int().meta({ description: 'The last event position it acknowledged' }),
    backlog: z.int().meta({ description: 'Events committed after position' }),
    failingSince: dateTime.nullable(),
    lastError: z.string().nullable(),
    disabledAt: dateTime.nullable().meta({ description: 'Set when it kept failing for 3 days; delivery stopped' }),
  })
  .meta({ id: 'WebhookEndpoint' });
export const webhookCreatedResponse = z
  .object({ endpoint: webhookResponse, secret: z.string().meta({ description: 'The signing secret: shown this once' }) })
  .meta({ id: 'WebhookCreated' });
export const webhooksList = z.object({ webhooks: z.array(webhookResponse) }).meta({ id: 'WebhookList' });
