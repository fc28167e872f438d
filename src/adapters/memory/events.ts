import { eventPayloadJson, storedEvent, type EventConsumer, type EventPage, type NewEvent, type WebhookSettings } from 'bankcore';

/** The memory adapter's event log: kept events in position order, with no gaps, and the named consumers. */
export interface MemoryEventLog {
  /** The event at position `prunedThrough + 1 + i`, holding the change's own objects (serialised on read). */
  events: NewEvent[];
  prunedThrough: number;
  lastPosition: number;
  consumers: Map<string, EventConsumer>;
}

export const emptyEventLog = (): MemoryEventLog => ({ events: [], prunedThrough: 0, lastPosition: 0, consumers: new Map() });

/** Appends an event with the next position; called inside the same synchronous step as the change it records. */
export function appendEvent(log: MemoryEventLog, event: NewEvent | null): void {
  if (!event) return;
  log.lastPosition += 1;
  log.events.push(event);
}

export function readEvents(log: MemoryEventLog, after: number, limit: number): EventPage {
  const start = Math.max(0, after - log.prunedThrough);
  const events = log.events.slice(start, start + limit).map((e, i) => storedEvent(e, eventPayloadJson(e), log.prunedThrough + start + i + 1));
  return { events, prunedThrough: log.prunedThrough, lastPosition: log.lastPosition };
}

export function pruneEvents(log: MemoryEventLog, through: number): void {
  const upTo = Math.min(through, log.lastPosition);
  if (upTo <= log.prunedThrough) return;
  log.events.splice(0, upTo - log.prunedThrough);
  log.prunedThrough = upTo;
}

const copyConsumer = (c: EventConsumer): EventConsumer => ({ ...c, webhook: c.webhook && { ...c.webhook, types: c.webhook.types && [...c.webhook.types] } });

/** The consumer methods of the contract, over the log. */
export function consumerMethods(log: () => MemoryEventLog) {
  return {
    async createConsumer(consumer: EventConsumer) {
      if (log().consumers.has(consumer.name)) return false;
      log().consumers.set(consumer.name, copyConsumer(consumer));
      return true;
    },
    async findConsumer(name: string) {
      const found = log().consumers.get(name);
      return found ? copyConsumer(found) : null;
    },
    listConsumers: async () => [...log().consumers.values()].map(copyConsumer),
    async updateConsumer(name: string, change: { position?: number; webhook?: WebhookSettings }) {
      const found = log().consumers.get(name);
      if (!found) return false;
      log().consumers.set(name, copyConsumer({ ...found, ...change }));
      return true;
    },
    deleteConsumer: async (name: string) => log().consumers.delete(name),
  };
}
