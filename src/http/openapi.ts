import { z } from 'zod';
import * as s from '../wire/schemas.js';

const schema = (zod: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(zod, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const jsonBody = (zod: z.ZodType, example: unknown) => ({
  required: true,
  content: { 'application/json': { schema: schema(zod), example } },
});

const ok = (status: string, description: string, zod: z.ZodType) => ({
  [status]: { description, content: { 'application/json': { schema: schema(zod, 'output') } } },
});

const COMMON = { '400': problem('Malformed body'), '413': problem('Body too large'), '415': problem('Unsupported Content-Type'), '422': problem('Validation failed') };
const AUTHED = { '401': problem('Missing, invalid, expired or revoked token') };
const MONEY = {
  ...COMMON,
  ...AUTHED,
  '404': problem('Account not found (or not yours)'),
  '409': problem('Insufficient funds, currency mismatch, or idempotency key reused'),
};
const idempotencyHeader = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Repeat a request with the same key to get the original answer without moving money again.',
  schema: { type: 'string', maxLength: 255 },
};
const refQuery = (required: boolean) => [
  { name: 'bankCode', in: 'query', required, schema: { type: 'string' } },
  { name: 'accountNumber', in: 'query', required, schema: { type: 'string' } },
];
const bearer = [{ bearer: [] }];

/** Builds the OpenAPI 3.1 document of the HTTP API from the zod schemas that validate its requests. */
export function buildOpenApiDocument(options: { basePath?: string } = {}): Record<string, unknown> {
  const ref = { bankCode: 'BANK1', accountNumber: '00010001' };
  return {
    openapi: '3.1.0',
    ...(options.basePath ? { servers: [{ url: options.basePath }] } : {}),
    info: { title: 'bankcore', version: '0.1.0', description: 'Users, accounts, deposits, withdrawals, transfers and history. Amounts are integer minor units.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: schema(s.problemResponseSchema, 'output') },
    },
    paths: {
      '/createUser': {
        post: {
          summary: 'Register a user',
          requestBody: jsonBody(s.createUserBody, { username: 'alice', password: 'correct horse battery staple' }),
          responses: { ...ok('201', 'Created', s.userResponse), ...COMMON, '409': problem('Username taken'), '429': problem('Rate limited') },
        },
      },
      '/token': {
        post: {
          summary: 'Get a bearer token (OAuth 2.0 password grant)',
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': { schema: schema(s.tokenBody), example: { grant_type: 'password', username: 'alice', password: 'correct horse battery staple' } },
              'application/json': { schema: schema(s.tokenBody) },
            },
          },
          responses: { ...ok('200', 'Token issued', s.tokenResponse), ...COMMON, '401': problem('Incorrect username or password'), '429': problem('Rate limited') },
        },
      },
      '/changePassword': {
        post: {
          summary: 'Change the password; revokes every earlier token',
          security: bearer,
          requestBody: jsonBody(s.changePasswordBody, { currentPassword: 'correct horse battery staple', newPassword: 'a new long passphrase' }),
          responses: { '204': { description: 'Changed' }, ...COMMON, ...AUTHED },
        },
      },
      '/addAccount': {
        post: {
          summary: 'Open an account',
          security: bearer,
          requestBody: jsonBody(s.addAccountBody, { ...ref, currency: 'USD' }),
          responses: { ...ok('201', 'Opened', s.accountResponse), ...COMMON, ...AUTHED, '409': problem('Account exists') },
        },
      },
      '/deposit': {
        post: {
          summary: 'Deposit into an own account',
          security: bearer,
          parameters: [idempotencyHeader],
          requestBody: jsonBody(s.movementBody, { ...ref, amount: 1000, reference: 'salary' }),
          responses: { ...ok('201', 'Posted (or replayed: header Idempotent-Replayed: true)', s.movementResponse), ...MONEY },
        },
      },
      '/withdraw': {
        post: {
          summary: 'Withdraw from an own account',
          security: bearer,
          parameters: [idempotencyHeader],
          requestBody: jsonBody(s.movementBody, { ...ref, amount: 250 }),
          responses: { ...ok('201', 'Posted', s.movementResponse), ...MONEY },
        },
      },
      '/transfer': {
        post: {
          summary: 'Transfer from an own account to any account',
          security: bearer,
          parameters: [idempotencyHeader],
          requestBody: jsonBody(s.transferBody, { from: ref, to: { bankCode: 'BANK1', accountNumber: '00020001' }, amount: 500 }),
          responses: { ...ok('201', 'Posted; the body holds the source account after it', s.movementResponse), ...MONEY },
        },
      },
      '/balance': {
        get: {
          summary: 'Own accounts with balances, a page at a time (or one, by query)',
          security: bearer,
          parameters: [
            ...refQuery(false),
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 100 } },
            { name: 'cursor', in: 'query', required: false, schema: { type: 'string' }, description: 'nextCursor of the previous page' },
          ],
          responses: { ...ok('200', 'Accounts', z.object({ accounts: z.array(s.accountResponse), nextCursor: z.string().nullable() })), ...AUTHED, '404': problem('Account not found'), '422': problem('Validation failed') },
        },
      },
      '/transactions': {
        get: {
          summary: 'Ledger entries of an own account, newest first',
          security: bearer,
          parameters: [
            ...refQuery(true),
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: {
            ...ok('200', 'A page', z.object({ data: z.array(s.entryResponse), nextCursor: z.string().nullable() })),
            ...AUTHED,
            '404': problem('Account not found'),
            '422': problem('Validation failed'),
          },
        },
      },
      '/healthz': {
        get: { summary: 'Liveness and storage check', responses: { ...ok('200', 'Healthy', z.object({ status: z.literal('ok') })), '503': problem('Storage unavailable') } },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document' } } } },
      '/docs': { get: { summary: 'This reference, interactive (Swagger UI)', responses: { '200': { description: 'An HTML page' }, '404': problem('Docs turned off') } } },
    },
  };
}
