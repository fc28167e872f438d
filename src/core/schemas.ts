import { z } from 'zod';
import { BankError, type ValidationIssue } from './errors.js';
import { COMMON_PASSWORDS } from './common-passwords.js';
import { ACCOUNT_NUMBER, BANK_CODE, IDEMPOTENCY_KEY, REFERENCE_CHARS, REFERENCE_MAX_LENGTH, type FastCheck } from './fast-checks.js';

export { fastAccountNumber, fastAccountRef, fastAmount, fastBankCode, fastIdempotencyKey, plainFields, withOptionalFields, type FastCheck } from './fast-checks.js';

const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Username: 3–64 of ASCII letters, digits, `.`, `_`, `-` after NFKC (so full-width forms fold to ASCII). */
export const usernameSchema = z
  .string()
  .max(256)
  .transform((s) => s.normalize('NFKC'))
  .pipe(z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, 'must be 3 to 64 letters, digits, ".", "_" or "-"'));

/**
 * Password: 8–256 characters of any kind (counted as code points), not a well-known password. The rules apply to
 * the NFKC form, which is what is hashed: full-width `ｐａｓｓｗｏｒｄ１２３` is `password123`, and `e` with a
 * combining accent is one character, `é`.
 */
export const passwordSchema = z
  .string()
  .max(4096)
  .transform((s) => s.normalize('NFKC'))
  .pipe(
    z
      .string()
      .refine((s) => [...s].length >= 8, 'must be at least 8 characters')
      .refine((s) => [...s].length <= 256, 'must be at most 256 characters')
      .refine((s) => !COMMON_PASSWORDS.has(s.toLowerCase()), 'is one of the most common passwords; choose another'),
  );

// Upper-cased by zod's `toUpperCase()` check, which rewrites the value in place, rather than by a `.transform`: a
// transform is a second schema piped after the first, and a deposit's two parses (the HTTP body, then the bank's
// input) took about 20 % less time without the pipes (zod 4.6, Node 20). Not for a currency: a check after the
// rewrite would also run on a value the regex refused, where a pipe stops at the first failure.

/** A bank code: 3–11 letters or digits, upper-cased. */
export const bankCodeSchema = z.string().regex(BANK_CODE, 'must be 3 to 11 letters or digits').toUpperCase();

/** An account number: 4–34 letters or digits (IBAN-sized), upper-cased. */
export const accountNumberSchema = z.string().regex(ACCOUNT_NUMBER, 'must be 4 to 34 letters or digits').toUpperCase();

/** An ISO-4217 currency code, upper-cased. */
export const currencySchema = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO-4217 code')
  .transform((s) => s.toUpperCase())
  .refine((s) => CURRENCIES.has(s), 'is not an ISO-4217 currency code');

/** An account's identity as a customer knows it. */
export const accountRefSchema = z.strictObject({ bankCode: bankCodeSchema, accountNumber: accountNumberSchema });

/**
 * A free-text note on a transaction: 1–140 characters, no control or format characters (so no bidi override or
 * zero-width character can make a recipient's history show text other than what was sent).
 */
export const referenceSchema = z
  .string()
  .min(1)
  .max(REFERENCE_MAX_LENGTH)
  .regex(REFERENCE_CHARS, 'must not contain control, bidi or zero-width characters');

/** Metadata: at most 16 keys of 1–64 letters, digits, `_`, `-`, `.`; each value a string of at most 256 characters. */
export const metadataSchema = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'keys must be 1 to 64 letters, digits, "_", "-" or "."'), z.string().max(256, 'values must be at most 256 characters'))
  .refine((m) => Object.keys(m).length <= 16, 'must have at most 16 keys');

/** The bank code of the bank's own settlement accounts: `@world/<currency>`. */
export const SETTLEMENT_BANK_CODE = '@world';

/** An account as the operator names it: a customer account, or a settlement account `@world/<currency>`. */
export const operatorAccountRefSchema = z.union([
  accountRefSchema,
  z.strictObject({ bankCode: z.literal(SETTLEMENT_BANK_CODE), accountNumber: currencySchema }),
]);

/** A point in time: a `Date` or an ISO-8601 date-time string. */
export const instantSchema = z.union([z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))]).refine((d) => !Number.isNaN(d.getTime()), 'is not a valid time');

/** An idempotency key: 1–255 visible ASCII characters (a UUID is a good choice). */
export const idempotencyKeySchema = z.string().regex(IDEMPOTENCY_KEY, 'must be 1 to 255 visible ASCII characters');

/** A positive amount of minor units, at most `max` (itself at most `Number.MAX_SAFE_INTEGER`). */
export function amountSchema(max: number) {
  return z.int('must be an integer number of minor units').positive('must be positive').max(max, `must be at most ${max}`);
}

/** `bank.register` input (and the body of `POST /createUser`). */
export const credentialsSchema = z.strictObject({ username: usernameSchema, password: passwordSchema });

/** `bank.changePassword` input (and the body of `POST /changePassword`). */
export const changePasswordSchema = z.strictObject({ currentPassword: z.string().max(1024), newPassword: passwordSchema });

/** Converts zod issues to bankcore's `{ path, message }` form. */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    // One issue per unknown field, at that field: the caller learns which name to fix, in its own words.
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...at, key].join('.'), message: 'is not a known field' }));
    // zod says "Invalid input: expected string, received undefined" for a field left out: say what it means.
    const missing = issue.code === 'invalid_type' && / received undefined$/.test(issue.message);
    return [{ path: at.join('.'), message: missing ? 'is required' : issue.message }];
  });
}

/**
 * A VALIDATION_FAILED for one field, shaped as {@link parseInput} shapes zod's: for rules a schema cannot state
 * (a time in the future, an amount within what a hold holds).
 */
export function invalidInput(where: string, path: string, message: string): BankError {
  return new BankError('VALIDATION_FAILED', `Invalid ${where}: ${path} ${message}`, { details: { issues: [{ path, message }] } });
}

/**
 * Parses `input` with `schema`, throwing `BankError('VALIDATION_FAILED')` with every issue on failure.
 *
 * @param where - prefix for issue paths and the message, e.g. `deposit`.
 * @param fast - a {@link FastCheck} of the common shapes of this input, tried first.
 * @throws BankError VALIDATION_FAILED
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: string, fast?: FastCheck<z.output<S>>): z.output<S> {
  if (fast) {
    const checked = fast(input);
    if (checked !== undefined) return checked;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = toValidationIssues(result.error);
  const first = issues[0];
  const summary = first ? (first.path ? `${first.path} ${first.message}` : first.message) : 'is not valid';
  throw new BankError('VALIDATION_FAILED', `Invalid ${where}: ${summary}`, {
    details: { issues },
    cause: result.error,
  });
}
