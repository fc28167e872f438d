import { bytesToHex, randomBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { EVENT_TYPES, type EventConsumer, type EventType } from './events.js';
import { parseInput } from './schemas.js';
import type { StorageAdapter } from './storage.js';

/** A webhook endpoint as the operator sees it: never its secret (shown once, at creation). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  /** The event types it receives; `null` for all. */
  types: EventType[] | null;
  createdAt: Date;
  /** The last position it acknowledged (a 2xx); it resumes after it. */
  position: number;
  /** Events committed after `position` (of any type): how far behind it is. */
  backlog: number;
  failingSince: Date | null;
  lastError: string | null;
  /** Set when it kept failing past the retry horizon (3 days by default): delivery stopped. */
  disabledAt: Date | null;
}

/** `bank.webhooks`: the endpoints webhooks are delivered to, kept by storage with their own positions. */
export interface WebhookEndpoints {
  /**
   * Registers an endpoint; it receives the events committed from now on. The signing secret is returned once.
   * @throws BankError VALIDATION_FAILED for a URL that is not http(s), or an unknown event type.
   * @example
   * ```ts
   * const { endpoint, secret } = await bank.webhooks.create({ url: 'https://shop.example/hooks', types: ['transaction.posted'] });
   * ```
   */
  create(input: { url: string; types?: EventType[] }): Promise<{ endpoint: WebhookEndpoint; secret: string }>;
  list(): Promise<WebhookEndpoint[]>;
  /** Deletes an endpoint; `false` when there is none with this id. */
  remove(id: string): Promise<boolean>;
  /** For delivery workers: the endpoint with its secret, or null. */
  target(id: string): Promise<{ endpoint: WebhookEndpoint; secret: string } | null>;
  /** For delivery workers: a 2xx for the event at `position` (or a skip past events it does not receive). */
  delivered(id: string, position: number): Promise<void>;
  /** For delivery workers: a failed attempt; the first failure of a run starts its clock. */
  failed(id: string, error: string, at: Date): Promise<void>;
  /** For delivery workers: stop delivering to it (it failed past the horizon, or fell behind retention). */
  disable(id: string, reason: string, at: Date): Promise<void>;
}

const PREFIX = 'webhook:';
const createSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2048),
  types: z.array(z.enum(EVENT_TYPES)).min(1).refine((t) => new Set(t).size === t.length, 'must not repeat a type').optional(),
});

function endpointOf(c: EventConsumer, lastPosition: number): WebhookEndpoint {
  const w = c.webhook!;
  return { id: c.name.slice(PREFIX.length), url: w.url, types: w.types && [...w.types], createdAt: c.createdAt, position: c.position, backlog: Math.max(0, lastPosition - c.position), failingSince: w.failingSince, lastError: w.lastError, disabledAt: w.disabledAt };
}

/** Builds `bank.webhooks` over storage. */
export function createWebhookEndpoints(storage: StorageAdapter, now: () => Date): WebhookEndpoints {
  const lastPosition = async () => (await storage.readEvents(0, 1)).lastPosition;
  async function consumer(id: string): Promise<EventConsumer | null> {
    if (typeof id !== 'string' || !/^wh_[0-9a-f]{16}$/.test(id)) return null;
    const found = await storage.findConsumer(`${PREFIX}${id}`);
    return found?.webhook ? found : null;
  }
  async function change(id: string, edit: (w: NonNullable<EventConsumer['webhook']>) => void): Promise<void> {
    const found = await consumer(id);
    if (!found) return;
    const webhook = { ...found.webhook! };
    edit(webhook);
    await storage.updateConsumer(found.name, { webhook });
  }

  return {
    async create(input) {
      const { url, types } = parseInput(createSchema, input, 'webhook');
      const id = `wh_${bytesToHex(randomBytes(8))}`;
      const secret = `whsec_${bytesToHex(randomBytes(32))}`;
      const position = await lastPosition();
      const created: EventConsumer = { name: `${PREFIX}${id}`, position, createdAt: now(), webhook: { url, types: types ?? null, secret, failingSince: null, lastError: null, disabledAt: null } };
      await storage.createConsumer(created);
      return { endpoint: endpointOf(created, position), secret };
    },
    async list() {
      const last = await lastPosition();
      return (await storage.listConsumers()).filter((c) => c.name.startsWith(PREFIX) && c.webhook).map((c) => endpointOf(c, last));
    },
    async remove(id) {
      const found = await consumer(id);
      return found ? storage.deleteConsumer(found.name) : false;
    },
    async target(id) {
      const found = await consumer(id);
      return found && { endpoint: endpointOf(found, await lastPosition()), secret: found.webhook!.secret };
    },
    async delivered(id, position) {
      const found = await consumer(id);
      if (!found || position <= found.position) return;
      await storage.updateConsumer(found.name, { position, webhook: { ...found.webhook!, failingSince: null, lastError: null } });
    },
    failed: (id, error, at) =>
      change(id, (w) => {
        w.failingSince ??= at;
        w.lastError = error.slice(0, 500);
      }),
    disable: (id, reason, at) =>
      change(id, (w) => {
        w.disabledAt = at;
        w.lastError = reason.slice(0, 500);
      }),
  };
}
