import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { constantTimeEqual } from 'bankcore';

/** The header that carries a delivery's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`. */
export const SIGNATURE_HEADER = 'Bankcore-Signature';

const mac = (secret: string, timestamp: number, body: string) => hmac(sha256, utf8ToBytes(secret), utf8ToBytes(`${timestamp}.${body}`));

/**
 * Signs a webhook body as bankcore does (Stripe's scheme): the value of the `Bankcore-Signature` header.
 *
 * @param body - the exact bytes sent, as a string.
 * @param secret - the endpoint's signing secret (`whsec_…`).
 * @param timestamp - unix seconds; default now.
 * @example
 * ```ts
 * const header = signWebhook('{"id":"…"}', secret);
 * ```
 */
export function signWebhook(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${bytesToHex(mac(secret, timestamp, body))}`;
}

/** What {@link verifyWebhook} found: a valid signature and its time, or why not. */
export type WebhookVerification =
  | { valid: true; timestamp: number }
  | { valid: false; reason: 'malformed_header' | 'signature_mismatch' | 'timestamp_out_of_tolerance' };

/**
 * Checks a webhook delivery on the receiving side: the signature (compared in constant time) over the raw body,
 * and that its timestamp is within `toleranceSeconds` of now (a replayed old delivery is refused). A refusal is a
 * result, not an exception.
 *
 * @param body - the raw request body, exactly as received (parse it only after this says valid).
 * @param signatureHeader - the `Bankcore-Signature` header.
 * @param secret - the endpoint's signing secret.
 * @param options - `toleranceSeconds` (default 300); `now` (unix seconds) for tests.
 * @example
 * ```ts
 * const check = verifyWebhook(rawBody, req.headers['bankcore-signature'], process.env.WEBHOOK_SECRET!);
 * if (!check.valid) return res.writeHead(400).end(check.reason);
 * ```
 */
export function verifyWebhook(body: string, signatureHeader: string | null | undefined, secret: string, options: { toleranceSeconds?: number; now?: number } = {}): WebhookVerification {
  const parts = (signatureHeader ?? '').split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  // Several v1 values may be sent (while a secret is being rotated): any one that matches is enough.
  const signatures = parts.filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => hexToBytes(v!));
  if (!t || !/^[0-9]{1,12}$/.test(t) || signatures.length === 0) return { valid: false, reason: 'malformed_header' };
  const timestamp = Number(t);
  const expected = mac(secret, timestamp, body);
  let matched = false;
  for (const s of signatures) matched = constantTimeEqual(s, expected) || matched; // every candidate compared: no early exit
  if (!matched) return { valid: false, reason: 'signature_mismatch' };
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return { valid: false, reason: 'timestamp_out_of_tolerance' };
  return { valid: true, timestamp };
}
