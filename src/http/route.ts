import type { z } from 'zod';
import type { Bank, BankErrorCode, OperatorCredential, OperatorScope, Principal, RateLimitRule, RateLimits } from 'bankcore';
import type { HttpResponse } from './problem.js';
import type { HttpRequest } from './request.js';

/** What a route needs besides the request. */
export interface RouteContext {
  bank: Bank;
  /** Counts an attempt against a rule; throws RATE_LIMITED when over it. A `false` rule is off. */
  limit(rule: RateLimitRule | false, key: string): Promise<void>;
  rules: RateLimits;
  /** Runs a password hash for a client address, refusing (RATE_LIMITED) past a few in flight from it. */
  admitHashing<T>(address: string, run: () => Promise<T>): Promise<T>;
  /** The customer calling: the app's `authenticate` hook first, else the bearer token. Throws INVALID_TOKEN. */
  principal(req: HttpRequest): Promise<Principal>;
  /** The operator key calling, checked for `scope`. Throws INVALID_TOKEN, FORBIDDEN. */
  operator(req: HttpRequest, scope: OperatorScope): Promise<OperatorCredential>;
  /** The OpenAPI document, built once on first use. */
  openapi(): unknown;
}

/** Groups of operations in the OpenAPI document. */
export type Tag = 'auth' | 'accounts' | 'money' | 'holds' | 'admin' | 'ops';

/** How an operation is described in /openapi.json; the document is generated from these and the wire schemas. */
export interface OperationDoc {
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  /** Who may call: anyone, a customer (bearer token), or an operator key with this scope. */
  auth: 'public' | 'customer' | OperatorScope;
  query?: z.ZodType;
  /** Path parameters, by name. */
  params?: Record<string, string>;
  body?: { schema: z.ZodType; example: unknown; form?: boolean; optional?: boolean };
  /** Takes `Idempotency-Key`. */
  idempotent?: boolean;
  ok: { status: 200 | 201 | 204; description: string; schema?: z.ZodType; example?: unknown; csv?: boolean };
  /** The codes it answers besides those its `auth`, `body` and `query` imply. */
  errors: BankErrorCode[];
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Static, or with `{name}` segments. */
  path: string;
  /** Absent for the docs page's assets, which are not API operations. */
  doc?: OperationDoc;
  handle(req: HttpRequest, ctx: RouteContext, params: Record<string, string>): Promise<HttpResponse>;
}
