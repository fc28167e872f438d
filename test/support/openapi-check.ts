import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { buildOpenApiDocument } from 'bankcore/http';

// Every response the HTTP tests receive is checked against the served OpenAPI document: its status must be
// documented for the operation, its media type listed, its body valid against the schema, and every header of ours
// that it carries declared. A mismatch fails the test that made the call.

type Json = Record<string, any>; // any: the OpenAPI document is walked generically here
const doc = buildOpenApiDocument() as Json;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validators = new Map<object, ReturnType<Ajv2020['compile']>>();

const OUR_HEADERS = ['x-request-id', 'cache-control', 'idempotent-replayed', 'retry-after', 'www-authenticate', 'allow'];
const templates = Object.keys(doc['paths']).map((path) => ({
  path,
  regex: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`),
  literal: !path.includes('{'),
}));

function validate(schema: object, body: unknown): string | null {
  let check = validators.get(schema);
  if (!check) {
    // `#/components/...` references resolve against the root, so the components travel with each schema.
    check = ajv.compile({ ...schema, components: doc['components'] });
    validators.set(schema, check);
  }
  return check(body) ? null : ajv.errorsText(check.errors, { separator: '; ' });
}

function operationFor(method: string, path: string): { operation: Json | null; allowed: boolean; known: boolean } {
  // A literal path wins over a template (as the router decides): /admin/holds/expire is not /admin/holds/{id}.
  const match = templates.find((t) => t.literal && t.regex.test(path)) ?? templates.find((t) => t.regex.test(path));
  if (!match) return { operation: null, allowed: false, known: false };
  const operation = doc['paths'][match.path][method === 'HEAD' ? 'get' : method.toLowerCase()] ?? null;
  return { operation, allowed: operation !== null, known: true };
}

/** The ways a response differs from the document; empty when it conforms. */
export function openApiMismatches(method: string, url: string, status: number, headers: Headers, text: string): string[] {
  const path = new URL(url).pathname;
  if (path.startsWith('/docs/')) return []; // the docs page's assets and its redirect are not API operations
  const { operation, known } = operationFor(method, path);
  const problems: string[] = [];
  let response: Json | undefined;
  if (!operation) {
    // Unknown paths answer 404 and known paths with another method 405: both problem documents.
    const expected = known ? 405 : 404;
    if (status !== expected) return [`${method} ${path}: ${status}, expected ${expected} for an undocumented ${known ? 'method' : 'path'}`];
    response = { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }, headers: { 'X-Request-Id': {}, 'Cache-Control': {}, Allow: {} } };
  } else {
    response = operation['responses'][String(status)];
    if (!response) return [`${method} ${path}: status ${status} is not documented (documented: ${Object.keys(operation['responses']).join(', ')})`];
  }
  const declared = new Set(Object.keys(response['headers'] ?? {}).map((h) => h.toLowerCase()));
  for (const name of OUR_HEADERS) if (headers.has(name) && !declared.has(name)) problems.push(`${method} ${path} ${status}: header ${name} is not declared`);
  if (method === 'HEAD' || status === 204 || text === '') {
    if (status !== 204 && method !== 'HEAD' && response['content']) problems.push(`${method} ${path} ${status}: empty body, but content is documented`);
    return problems;
  }
  const type = (headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = response['content']?.[type];
  if (!media) return [...problems, `${method} ${path} ${status}: content type ${type} is not documented`];
  if (type.endsWith('json') && media['schema']) {
    const error = validate(media['schema'], JSON.parse(text));
    if (error) problems.push(`${method} ${path} ${status}: body does not match the schema: ${error}`);
  }
  return problems;
}
