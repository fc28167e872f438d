import { BankError } from 'bankcore';

/**
 * Parses a JSON body strictly: a key repeated in one object is MALFORMED_REQUEST (JSON.parse would keep the last
 * one silently, so `{"amount":1,"amount":2}` would deposit 2), and every number must be an integer literal (every
 * number in this API is an amount or a count, and `5.0`, `1e2` or `4.9999999999999999` must not become 5 or 100).
 *
 * @throws BankError MALFORMED_REQUEST for invalid JSON or a repeated key; VALIDATION_FAILED, with the path, for a
 *   number that is not an integer literal.
 */
export function parseStrictJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BankError('MALFORMED_REQUEST', 'The request body is not valid JSON');
  }
  scan(text);
  return value;
}

type Frame = { kind: 'object'; keys: Set<string>; key: string | null } | { kind: 'array'; index: number };

/** Walks the (already valid) JSON text once, checking keys and number literals. */
function scan(text: string): void {
  const stack: Frame[] = [];
  const path = () => stack.map((f) => (f.kind === 'object' ? f.key : String(f.index))).join('.');
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '{') {
      stack.push({ kind: 'object', keys: new Set(), key: null });
      expectKey = true;
    } else if (c === '[') {
      stack.push({ kind: 'array', index: 0 });
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') top.index++;
      expectKey = top?.kind === 'object';
    } else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        // A key without an escape is its text as it stands; only one with escapes needs decoding.
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) throw new BankError('MALFORMED_REQUEST', `The JSON body repeats the key "${key}"`);
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i;
      let integer = true;
      for (; end < text.length; end++) {
        const d = text[end]!;
        if (d === '.' || d === 'e' || d === 'E') integer = false;
        else if (d !== '-' && d !== '+' && !(d >= '0' && d <= '9')) break;
      }
      if (!integer) {
        const where = path();
        throw new BankError('VALIDATION_FAILED', `Invalid input: ${where || 'input'} must be written as an integer, without a fraction or exponent`, {
          details: { issues: [{ path: where, message: 'must be written as an integer, without a fraction or exponent' }] },
        });
      }
      i = end - 1;
    }
  }
}
