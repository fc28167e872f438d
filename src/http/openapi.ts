import { z } from 'zod';
import { OPERATOR_SCOPES, type BankErrorCode } from 'bankcore';
import { ALL_ROUTES } from './app.js';
import { DOCS_ROUTES } from './docs.js';
import { STATUS_BY_CODE, TITLES } from './problem.js';
import type { OperationDoc, Route, Tag } from './route.js';
import * as s from '../wire/schemas.js';

// /openapi.json, generated from the route table (each route's `doc`) and the wire schemas, so the document cannot
// drift from what the server checks. Named schemas (`.meta({ id })`) become components and are referred to by $ref.

const TAGS: Array<{ name: Tag; description: string }> = [
  { name: 'auth', description: 'Registration, tokens (OAuth 2.0 password grant) and passwords' },
  { name: 'accounts', description: 'Your accounts, balances (also at a past time) and history' },
  { name: 'money', description: 'Deposits, withdrawals and transfers; each takes an Idempotency-Key' },
  { name: 'holds', description: 'Money reserved on your accounts' },
  { name: 'admin', description: 'The operator API: operator keys only (Authorization: Bearer bko_…)' },
  { name: 'ops', description: 'Health and this document' },
];

/** A sample `detail` per code, for the examples; a `Record`, so a new code without one fails to compile. */
const DETAIL: Record<BankErrorCode, string> = {
  VALIDATION_FAILED: 'Invalid request body: amount must be positive',
  USERNAME_TAKEN: 'This username is already taken',
  INVALID_CREDENTIALS: 'Incorrect username or password',
  INVALID_TOKEN: 'A bearer token is required (Authorization: Bearer <token>)',
  FORBIDDEN: 'This operator key lacks the funds:write scope',
  TOKEN_EXPIRED: 'The access token has expired',
  ACCOUNT_EXISTS: 'Account BANK1/00010001 already exists',
  ACCOUNT_NOT_FOUND: 'Account BANK1/00010001 was not found',
  INSUFFICIENT_FUNDS: 'Insufficient funds in BANK1/00010001',
  CURRENCY_MISMATCH: 'Cannot move USD into an account held in EUR',
  IDEMPOTENCY_KEY_REUSED: 'This Idempotency-Key was used with a different request',
  LIMIT_EXCEEDED: 'The amount is above this bank’s limit',
  INVALID_PRINCIPAL: 'This is not the principal of an existing user',
  ACCOUNT_FROZEN: 'Account BANK1/00010001 is frozen',
  ACCOUNT_CLOSED: 'Account BANK1/00010001 is closed',
  ACCOUNT_NOT_EMPTY: 'Account BANK1/00010001 still holds money or an open hold',
  HOLD_NOT_FOUND: 'The hold was not found',
  HOLD_NOT_PENDING: 'The hold is no longer pending',
  HOLD_EXPIRED: 'The hold has expired',
  TRANSACTION_NOT_FOUND: 'The transaction was not found',
  ALREADY_REVERSED: 'The transaction was already reversed',
  UNBALANCED_TRANSACTION: 'The transaction does not balance: legs in USD sum to 5, not 0',
  EVENTS_PRUNED: 'Events after position 10 were pruned (through 500)',
  CONFLICT: 'The account changed meanwhile; try again',
  RATE_LIMITED: 'Too many attempts; try again later',
  STORAGE_UNAVAILABLE: 'Storage is unavailable; try again later',
  CONFIGURATION_INVALID: 'An unexpected error occurred; quote the request id when reporting it',
  MALFORMED_REQUEST: 'The request body is not valid JSON',
  PAYLOAD_TOO_LARGE: 'The body exceeds 16384 bytes',
  HEADERS_TOO_LARGE: 'The request headers are too large',
  REQUEST_TIMEOUT: 'The request did not arrive in time',
  UNSUPPORTED_MEDIA_TYPE: 'Content-Type must be application/json',
  NOT_FOUND: 'No endpoint at /nowhere',
  METHOD_NOT_ALLOWED: 'DELETE is not allowed here; use POST',
  INTERNAL: 'An unexpected error occurred; quote the request id when reporting it',
  NETWORK_ERROR: 'The server could not be reached',
};

const header = (description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ description, schema });
const HEADERS = {
  'X-Request-Id': header('The request id: yours if you sent a valid one, else a new one; quote it when reporting a problem'),
  'Cache-Control': header('no-store on every answer that carries data or an error'),
  'Idempotent-Replayed': header('true when this is the stored answer of an earlier request with the same Idempotency-Key', { type: 'string', enum: ['true'] }),
  'Retry-After': header('Seconds until a retry may succeed', { type: 'integer', minimum: 0 }),
  'WWW-Authenticate': header('The authentication scheme and, for a bad token, error="invalid_token"'),
  Allow: header('The methods this path takes'),
};
type HeaderName = keyof typeof HEADERS;
const headerRefs = (names: HeaderName[]) => Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }]));

/**
 * A schema as JSON Schema 2020-12. Named parts (`.meta({ id })`) go to `components` and are referred to there;
 * a named schema itself becomes a `$ref`.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, unknown>): Record<string, unknown> {
  const raw = JSON.stringify(z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' })).replaceAll('"#/$defs/', '"#/components/schemas/');
  const { $schema: _drop, $defs, ...rest } = JSON.parse(raw) as Record<string, unknown> & { $defs?: Record<string, unknown> };
  for (const [id, def] of Object.entries($defs ?? {})) components[id] = def;
  return rest;
}

/** `/token`'s client errors are all 400 (RFC 6749 §5.2); rate limits, 405 and server errors keep their status. */
const oauthStatus = (code: BankErrorCode) => (STATUS_BY_CODE[code] >= 500 || code === 'RATE_LIMITED' || code === 'METHOD_NOT_ALLOWED' ? STATUS_BY_CODE[code] : 400);
const OAUTH_ERROR: Partial<Record<BankErrorCode, string>> = { INVALID_CREDENTIALS: 'invalid_grant', RATE_LIMITED: 'slow_down' };

function problemResponses(codes: BankErrorCode[], oauth: boolean): Record<string, unknown> {
  const statusOf = (code: BankErrorCode) => (oauth ? oauthStatus(code) : STATUS_BY_CODE[code]);
  const byStatus = new Map<number, BankErrorCode[]>();
  for (const code of new Set(codes)) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  const out: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers: HeaderName[] = ['X-Request-Id', 'Cache-Control'];
    if (status === 401) headers.push('WWW-Authenticate');
    if (status === 429) headers.push('Retry-After');
    if (status === 405) headers.push('Allow');
    const asOAuth = oauth && (status === 400 || status === 429);
    const examples = Object.fromEntries(
      list.map((code) => {
        const value = { type: `urn:bankcore:problem:${code.toLowerCase().replaceAll('_', '-')}`, title: TITLES[status] ?? 'Error', status, detail: DETAIL[code], code };
        return [code, { value: asOAuth ? { ...value, error: OAUTH_ERROR[code] ?? 'invalid_request', error_description: DETAIL[code] } : value }];
      }),
    );
    out[String(status)] = {
      description: list.join(', '),
      headers: headerRefs(headers),
      content: { [asOAuth ? 'application/json' : 'application/problem+json']: { schema: { $ref: '#/components/schemas/Problem' }, examples } },
    };
  }
  return out;
}

function queryParameters(schema: z.ZodType | undefined, components: Record<string, unknown>): unknown[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input', components) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => ({ name, in: 'query', required: (json.required ?? []).includes(name), schema: prop }));
}

function operation(doc: OperationDoc, path: string, components: Record<string, unknown>) {
  const codes: BankErrorCode[] = [...doc.errors, 'STORAGE_UNAVAILABLE', 'INTERNAL', 'METHOD_NOT_ALLOWED'];
  if (doc.auth === 'customer') codes.push('INVALID_TOKEN', 'TOKEN_EXPIRED');
  else if (doc.auth !== 'public') codes.push('INVALID_TOKEN', 'FORBIDDEN');
  if (doc.body) codes.push('MALFORMED_REQUEST', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'VALIDATION_FAILED');
  if (doc.query || doc.idempotent || doc.params) codes.push('VALIDATION_FAILED');
  if (path === '/openapi.json' || path === '/healthz') codes.push('NOT_FOUND');
  const parameters = [
    ...Object.entries(doc.params ?? {}).map(([name, description]) => ({ name, in: 'path', required: true, description, schema: { type: 'string', minLength: 1, maxLength: 64 } })),
    ...queryParameters(doc.query, components),
    ...(doc.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'Repeat a request with the same key to get the first answer without moving money again', schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' } }] : []),
  ];
  const okHeaders: HeaderName[] = ['X-Request-Id', 'Cache-Control', ...(doc.idempotent ? (['Idempotent-Replayed'] as const) : [])];
  const content: Record<string, unknown> = {};
  if (doc.ok.schema) content['application/json'] = { schema: jsonSchema(doc.ok.schema, 'output', components), example: doc.ok.example };
  else if (path === '/docs') content['text/html'] = { schema: { type: 'string' } };
  else if (doc.ok.status !== 204) content['application/json'] = { schema: { type: 'object' } };
  if (doc.ok.csv) content['text/csv'] = { schema: { type: 'string' }, example: 'createdAt,transactionId,sequence,type,amount,balanceAfter,currency,counterpartyBankCode,counterpartyAccountNumber,reference\r\n' };
  const body = doc.body && {
    required: !doc.body.optional,
    content: {
      ...(doc.body.form ? { 'application/x-www-form-urlencoded': { schema: jsonSchema(doc.body.schema, 'input', components), example: doc.body.example } } : {}),
      'application/json': { schema: jsonSchema(doc.body.schema, 'input', components), example: doc.body.example },
    },
  };
  return {
    operationId: doc.operationId,
    tags: [doc.tag],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    security: doc.auth === 'public' ? [] : doc.auth === 'customer' ? [{ oauth2: [] }] : [{ operatorKey: [doc.auth] }],
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: {
      [String(doc.ok.status)]: { description: doc.ok.description, headers: headerRefs(okHeaders), ...(Object.keys(content).length ? { content } : {}) },
      ...problemResponses(codes, doc.body?.form === true),
    },
  };
}

/** Builds the OpenAPI 3.1 document of the HTTP API from its routes and wire schemas. */
export function buildOpenApiDocument(options: { basePath?: string } = {}): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  const documented: Route[] = [...ALL_ROUTES, ...DOCS_ROUTES].filter((r) => r.doc);
  for (const route of documented) {
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route.doc!, route.path, schemas);
  }
  jsonSchema(s.problemResponseSchema, 'output', schemas);
  return {
    openapi: '3.1.0',
    info: {
      title: 'bankcore',
      version: '0.2.0',
      description: 'Users, accounts, deposits, withdrawals, transfers, holds and an exact double-entry ledger. Amounts are integer minor units (cents for USD). Errors are RFC 9457 problem documents with a machine-readable `code`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: options.basePath || '/', description: 'This server' }],
    tags: TAGS,
    paths,
    components: {
      schemas,
      headers: HEADERS,
      securitySchemes: {
        oauth2: { type: 'oauth2', description: 'A customer token from /token (username and password)', flows: { password: { tokenUrl: `${options.basePath ?? ''}/token`, scopes: {} } } },
        operatorKey: { type: 'http', scheme: 'bearer', bearerFormat: 'bko_<id>_<secret>', description: `An operator key from \`bankcore operator-key create\`; scopes: ${OPERATOR_SCOPES.join(', ')}` },
      },
    },
  };
}
