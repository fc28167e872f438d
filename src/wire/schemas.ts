import { z } from 'zod';
import { schemas as core } from 'bankcore';

// Request shapes of the HTTP API. They reuse the core's field schemas, so a rule lives in one place, and
// they are what /openapi.json is generated from.

const ref = { bankCode: core.bankCodeSchema, accountNumber: core.accountNumberSchema };
// The per-bank `maxAmount` is the core's to check; the wire only promises a positive safe integer.
const amount = core.amountSchema(Number.MAX_SAFE_INTEGER);

export const createUserBody = core.credentialsSchema;

/** `/token` takes OAuth2's form fields; FastAPI's OAuth2PasswordRequestForm also sends scope and client fields. */
export const tokenBody = z.object({
  grant_type: z.literal('password').optional(),
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
  scope: z.string().max(1024).optional(),
  client_id: z.string().max(256).optional(),
  client_secret: z.string().max(256).optional(),
});

export const changePasswordBody = core.changePasswordSchema;

export const addAccountBody = z.strictObject({ ...ref, currency: core.currencySchema.optional() });

export const movementBody = z.strictObject({ ...ref, amount, reference: core.referenceSchema.optional() });

export const transferBody = z.strictObject({
  from: core.accountRefSchema,
  to: core.accountRefSchema,
  amount,
  reference: core.referenceSchema.optional(),
});

const limitParam = z
  .string()
  .regex(/^[0-9]{1,3}$/, 'must be an integer from 1 to 100')
  .transform(Number)
  .pipe(z.int().min(1, 'must be an integer from 1 to 100').max(100, 'must be an integer from 1 to 100'));

export const balanceQuery = z
  .object({
    bankCode: core.bankCodeSchema.optional(),
    accountNumber: core.accountNumberSchema.optional(),
    limit: z.string().regex(/^[0-9]{1,3}$/, 'must be an integer from 1 to 100').transform(Number).pipe(z.int().min(1, 'must be an integer from 1 to 100').max(100, 'must be an integer from 1 to 100')).optional(),
    cursor: z.string().regex(/^[1-9][0-9]{0,5}$/, 'is not a cursor returned by /balance').optional(),
  })
  .refine((q) => (q.bankCode === undefined) === (q.accountNumber === undefined), {
    message: 'bankCode and accountNumber go together',
    path: ['accountNumber'],
  });

export const transactionsQuery = z.object({
  ...ref,
  limit: limitParam.optional(),
  cursor: z.string().max(32).optional(),
});

export const idempotencyKeyHeader = core.idempotencyKeySchema;

// Response shapes, for the OpenAPI document.
const dateTime = z.iso.datetime();
export const accountResponse = z.object({
  id: z.string(),
  bankCode: z.string(),
  accountNumber: z.string(),
  currency: z.string(),
  balance: z.int().meta({ description: 'Minor units (cents for USD)' }),
  createdAt: dateTime,
});
export const transactionResponse = z.object({
  id: z.string(),
  type: z.enum(['deposit', 'withdrawal', 'transfer', 'fund', 'payout', 'post', 'capture', 'reversal']),
  amount: z.int(),
  currency: z.string(),
  legs: z.array(z.object({ bankCode: z.string(), accountNumber: z.string(), amount: z.int() })),
  reference: z.string().nullable(),
  createdAt: dateTime,
});
export const movementResponse = z.object({ transaction: transactionResponse, account: accountResponse }).meta({
  examples: [
    {
      transaction: {
        id: '5b0f7c52-8f0e-4d7a-9b8e-2f6c1a9e4d10',
        type: 'deposit',
        amount: 1000,
        currency: 'USD',
        legs: [{ bankCode: 'BANK1', accountNumber: '00010001', amount: 1000 }],
        reference: 'salary',
        createdAt: '2026-11-25T12:00:00.000Z',
      },
      account: { id: 'c1d2e3f4-0000-4000-8000-000000000001', bankCode: 'BANK1', accountNumber: '00010001', currency: 'USD', balance: 1000, createdAt: '2026-11-25T11:00:00.000Z' },
    },
  ],
});
export const entryResponse = z.object({
  id: z.string(),
  transactionId: z.string(),
  sequence: z.int(),
  type: z.enum(['deposit', 'withdrawal', 'transfer', 'fund', 'payout', 'post', 'capture', 'reversal']),
  amount: z.int().meta({ description: 'Signed: credits positive, debits negative' }),
  balanceAfter: z.int(),
  currency: z.string(),
  counterparty: z.object({ bankCode: z.string(), accountNumber: z.string() }).nullable(),
  reference: z.string().nullable(),
  createdAt: dateTime,
});
export const userResponse = z
  .object({ id: z.string(), username: z.string(), createdAt: dateTime })
  .meta({ examples: [{ id: 'a7f3c2e1-0000-4000-8000-000000000001', username: 'alice', createdAt: '2026-11-25T11:00:00.000Z' }] });
export const tokenResponse = z
  .object({ access_token: z.string(), token_type: z.literal('bearer'), expires_in: z.int() })
  .meta({ examples: [{ access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…', token_type: 'bearer', expires_in: 900 }] });
export const problemResponseSchema = z
  .object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  requestId: z.string().optional(),
  })
  .meta({
    examples: [
      {
        type: 'urn:bankcore:problem:validation-failed',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'Invalid deposit input: amount must be an integer number of minor units',
        code: 'VALIDATION_FAILED',
        errors: [{ path: 'amount', message: 'must be an integer number of minor units' }],
      },
    ],
  });
