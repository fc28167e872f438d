import { isBankError, type Bank, type BankEvent, type WebhookEndpoint } from 'bankcore';
import { signWebhook } from './signature.js';

/** Options of {@link startWebhookDelivery}. */
export interface WebhookDeliveryOptions {
  /** First retry delay; doubled per failed attempt, with jitter. Default 1 000 ms. */
  baseDelayMs?: number;
  /** Longest wait between attempts; default 1 hour. */
  maxDelayMs?: number;
  /** How long an endpoint may keep failing before it is disabled; default 3 days. */
  horizonMs?: number;
  /** A delivery that has not answered by then counts as failed; default 10 000 ms. */
  timeoutMs?: number;
  /** How often the set of endpoints is reloaded (new, deleted); default 1 000 ms. */
  refreshMs?: number;
  fetch?: typeof fetch;
  /** Time source (tests); default `() => new Date()`. */
  now?: () => Date;
  /** Told about every failed attempt; never given the secret or the body. */
  onError?: (endpointId: string, error: string) => void;
}

/** A running delivery: stop it before closing the bank. */
export interface WebhookDelivery {
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/**
 * Delivers every event to every registered webhook endpoint: POSTed as JSON with `Bankcore-Signature` (Stripe's
 * scheme) and `Bankcore-Event-Id`, in commit order, one at a time per endpoint. A 2xx moves the endpoint's stored
 * position past the event; anything else, or no answer within `timeoutMs`, is retried with exponential backoff and
 * jitter, and an endpoint that keeps failing for `horizonMs` (3 days) is disabled and reported in
 * `bank.webhooks.list()`. Each endpoint has its own loop and position, so one that is down or hangs never holds
 * back another. The position is stored only after a 2xx: after a crash, delivery resumes from the last
 * acknowledged event (at least once; a receiver deduplicates by `Bankcore-Event-Id`).
 *
 * @example
 * ```ts
 * const delivery = startWebhookDelivery(bank);
 * // on shutdown:
 * await delivery.stop();
 * ```
 */
export function startWebhookDelivery(bank: Bank, options: WebhookDeliveryOptions = {}): WebhookDelivery {
  const controller = new AbortController();
  const { signal } = controller;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const now = options.now ?? (() => new Date());
  const base = options.baseDelayMs ?? 1_000;
  const cap = options.maxDelayMs ?? 3_600_000;
  const horizon = options.horizonMs ?? 3 * 86_400_000;
  const timeout = options.timeoutMs ?? 10_000;
  const loops = new Map<string, Promise<void>>();

  /** One attempt; resolves with null on a 2xx, else with what went wrong. */
  async function attempt(endpoint: WebhookEndpoint, secret: string, event: BankEvent): Promise<string | null> {
    const body = JSON.stringify({ id: event.id, type: event.type, occurredAt: event.occurredAt, position: event.position, payload: event.payload });
    try {
      const response = await doFetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'bankcore-webhooks', 'bankcore-signature': signWebhook(body, secret), 'bankcore-event-id': event.id, 'bankcore-event-type': event.type },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeout)]),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? null : `HTTP ${response.status}`;
    } catch (error) {
      return error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeout} ms` : 'could not connect';
    }
  }

  /** Delivers one event until a 2xx, the horizon, deletion, or stop; true when delivered. */
  async function deliver(id: string, event: BankEvent): Promise<boolean> {
    for (let failures = 0; !signal.aborted; failures++) {
      const target = await bank.webhooks.target(id);
      if (!target || target.endpoint.disabledAt) return false;
      const error = await attempt(target.endpoint, target.secret, event);
      if (signal.aborted) return false;
      if (error === null) {
        await bank.webhooks.delivered(id, event.position);
        return true;
      }
      options.onError?.(id, error);
      const at = now();
      await bank.webhooks.failed(id, error, at);
      const since = target.endpoint.failingSince ?? at;
      if (at.getTime() - since.getTime() >= horizon) {
        await bank.webhooks.disable(id, `failed for longer than ${Math.round(horizon / 1000)} s; last error: ${error}`, at);
        return false;
      }
      await sleep(Math.min(cap, base * 2 ** failures) * (0.5 + Math.random() / 2), signal);
    }
    return false;
  }

  async function run(id: string, from: number, types: Set<string> | null): Promise<void> {
    let skippedTo = from;
    try {
      for await (const event of bank.events.stream({ after: from, signal })) {
        if (types && !types.has(event.type)) {
          skippedTo = event.position;
          continue;
        }
        if (skippedTo > from) await bank.webhooks.delivered(id, skippedTo);
        if (!(await deliver(id, event))) return;
        from = skippedTo = event.position;
      }
    } catch (error) {
      if (isBankError(error, 'EVENTS_PRUNED')) await bank.webhooks.disable(id, `fell behind the event retention: ${error.message}`, now());
      else options.onError?.(id, error instanceof Error ? error.message : 'delivery failed');
    } finally {
      loops.delete(id);
    }
  }

  async function refresh(): Promise<void> {
    while (!signal.aborted) {
      try {
        for (const endpoint of await bank.webhooks.list()) {
          if (endpoint.disabledAt || loops.has(endpoint.id)) continue;
          loops.set(endpoint.id, run(endpoint.id, endpoint.position, endpoint.types && new Set(endpoint.types)));
        }
      } catch (error) {
        options.onError?.('*', error instanceof Error ? error.message : 'could not list endpoints');
      }
      await sleep(options.refreshMs ?? 1_000, signal);
    }
  }

  const refreshing = refresh();
  return {
    async stop() {
      controller.abort();
      await refreshing;
      await Promise.all(loops.values());
    },
  };
}
