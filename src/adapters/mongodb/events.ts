import type { ClientSession, MongoClient } from 'mongodb';
import { eventPayloadJson, storedEvent, type BankEvent, type EventConsumer, type EventPage, type NewEvent, type WebhookSettings } from 'bankcore';
import type { Collections } from './collections.js';
import { guarded, isDuplicateKey, storageFailure } from './errors.js';

/** An event as stored: `_id` is its position; the payload stays the JSON text the change serialised. */
export type EventDocument = Omit<NewEvent, 'payload'> & { _id: number; payloadJson: string };
/** The one document that counts positions: every change's transaction increments it. */
export type EventLogDocument = { _id: 'events'; lastPosition: number; prunedThrough: number };
/** A consumer as stored: `_id` is its name. */
export type ConsumerDocument = Omit<EventConsumer, 'name'> & { _id: string };

const MAJORITY = { w: 'majority' } as const;

/**
 * Appends an event inside the caller's transaction. Its position comes from a counter document incremented in the
 * same transaction: positions are strictly increasing in commit order, and the counter is one hot document that
 * every change writes, so concurrent changes conflict on it and the driver retries them (see the README).
 */
export async function appendEvent(c: Collections, session: ClientSession, event: NewEvent | null): Promise<void> {
  if (!event) return;
  const log = await c.eventLog.findOneAndUpdate({ _id: 'events' }, { $inc: { lastPosition: 1 }, $setOnInsert: { prunedThrough: 0 } }, { session, upsert: true, returnDocument: 'after' });
  await c.events.insertOne({ _id: log!.lastPosition, id: event.id, type: event.type, occurredAt: event.occurredAt, payloadJson: eventPayloadJson(event) }, { session });
}

const fromDocument = ({ _id, payloadJson, ...rest }: EventDocument): BankEvent => storedEvent(rest, payloadJson, _id);
const consumerFrom = ({ _id, ...rest }: ConsumerDocument): EventConsumer => ({ name: _id, ...rest });

/** The event and consumer methods of the contract, and single-document writes made atomic with their event. */
export function eventMethods(client: MongoClient, c: Collections) {
  /** Runs `write` and appends `event` in one transaction when the write happened; `false` when it did not. */
  async function withEvent(write: (session: ClientSession | undefined) => Promise<boolean>, event: NewEvent | null | undefined): Promise<boolean> {
    if (!event) {
      try {
        return await write(undefined);
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw storageFailure(error);
      }
    }
    const session = client.startSession();
    try {
      let written = false;
      await session.withTransaction(async () => {
        written = await write(session);
        if (written) await appendEvent(c, session, event);
      }, { writeConcern: MAJORITY, readPreference: 'primary' });
      return written;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw storageFailure(error);
    } finally {
      await session.endSession().catch(() => undefined);
    }
  }

  return {
    withEvent,
    readEvents: (after: number, limit: number): Promise<EventPage> =>
      guarded(async () => {
        const [docs, log] = await Promise.all([c.events.find({ _id: { $gt: after } }).sort({ _id: 1 }).limit(limit).toArray(), c.eventLog.findOne({ _id: 'events' })]);
        return { events: docs.map(fromDocument), prunedThrough: log?.prunedThrough ?? 0, lastPosition: log?.lastPosition ?? 0 };
      }),
    pruneEvents: (through: number) =>
      guarded(async () => {
        const log = await c.eventLog.findOne({ _id: 'events' });
        const upTo = Math.min(through, log?.lastPosition ?? 0);
        // The mark first: a reader never sees a gap that pruning left unannounced.
        await c.eventLog.updateOne({ _id: 'events' }, { $max: { prunedThrough: upTo } }, { writeConcern: MAJORITY });
        await c.events.deleteMany({ _id: { $lte: upTo } }, { writeConcern: MAJORITY });
      }),
    createConsumer: async (consumer: EventConsumer) => {
      const { name, ...rest } = consumer;
      return withEvent(async () => (await c.consumers.insertOne({ _id: name, ...rest }, { writeConcern: MAJORITY }), true), null);
    },
    findConsumer: (name: string) => guarded(async () => {
      const doc = await c.consumers.findOne({ _id: name });
      return doc && consumerFrom(doc);
    }),
    listConsumers: () => guarded(async () => (await c.consumers.find({}).sort({ createdAt: 1, _id: 1 }).toArray()).map(consumerFrom)),
    updateConsumer: (name: string, change: { position?: number; webhook?: WebhookSettings }) =>
      guarded(async () => (await c.consumers.updateOne({ _id: name }, { $set: change }, { writeConcern: MAJORITY })).matchedCount === 1),
    deleteConsumer: (name: string) => guarded(async () => (await c.consumers.deleteOne({ _id: name }, { writeConcern: MAJORITY })).deletedCount === 1),
  };
}
