import { isBankError } from 'bankcore';
import { bankErrorResponse, problemResponse, type HttpResponse } from './problem.js';

/** The RFC 6749 §5.2 error codes `/token` answers with (plus RFC 8628's `slow_down` for rate limits). */
export type TokenError = 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'slow_down';

function withOAuthFields(response: HttpResponse, error: TokenError, status?: number): HttpResponse {
  const body = response.body as Record<string, unknown>;
  // OAuth 2.0 clients (requests-oauthlib, Authlib) read `error`; problem+json readers read the rest. One body serves
  // both, as `application/json`, the media type RFC 6749 §5.2 names.
  return {
    status: status ?? response.status,
    headers: { ...response.headers, 'content-type': 'application/json', pragma: 'no-cache' },
    body: { ...body, ...(status ? { status, title: 'Bad Request' } : {}), error, error_description: body['detail'] },
  };
}

/**
 * The answer of a failed `/token` request: a client's mistake is a 400 with `error` (`invalid_grant` for wrong
 * credentials, `invalid_request` for a malformed request, `unsupported_grant_type`), never a 401, which RFC 6749
 * keeps for client authentication. Rate limits stay 429, with `error: slow_down`, so no OAuth client mistakes the
 * body for a token. Server failures are rethrown, for the app to log and answer like every other 5xx.
 */
export function tokenErrorResponse(error: unknown, description?: string): HttpResponse {
  if (error === 'unsupported_grant_type') {
    return withOAuthFields(problemResponse('VALIDATION_FAILED', description ?? 'Unsupported grant type', { errors: [{ path: 'grant_type', message: 'must be password' }] }), 'unsupported_grant_type', 400);
  }
  if (!isBankError(error)) throw error;
  const response = bankErrorResponse(error);
  switch (error.code) {
    case 'INVALID_CREDENTIALS': {
      const { ['www-authenticate']: _none, ...headers } = response.headers;
      return withOAuthFields({ ...response, headers }, 'invalid_grant', 400);
    }
    case 'RATE_LIMITED':
      return withOAuthFields(response, 'slow_down');
    default:
      if (response.status >= 500) throw error;
      return withOAuthFields(response, 'invalid_request', 400);
  }
}
