import { eventPayloadJson, storedEvent, type Account, type EventConsumer, type EventPage, type NewEvent, type WebhookSettings } from 'bankcore';
import { IdColumn, words } from './columns.js';
import { AccountSnapshots, type AccountRow } from './snapshots.js';
import type { TransactionTable } from './transactions.js';

/**
 * The memory adapter's event log: events in position order, with no gaps, and the named consumers. The common
 * `transaction.posted` is kept in columns (its id, its transaction's row, and its accounts' changing fields) and
 * rebuilt on read; every other event keeps the change's own objects. Either is serialised only when read.
 */
export class MemoryEventLog {
  prunedThrough = 0;
  lastPosition = 0;
  readonly consumers = new Map<string, EventConsumer>();
  private readonly objects = new Map<number, NewEvent>();
  // Per position, at index position - 1: the id, the transaction's row, and the first of its account rows.
  private readonly ids = new IdColumn({ indexed: false });
  private readonly txRow = words();
  private readonly firstAccount = words();
  private readonly accounts = new AccountSnapshots();

  /**
   * Appends an event with the next position; called inside the same synchronous step as the change it records.
   * `txRow` is the row of the transaction the change stored, when the event carries that very object.
   */
  append(event: NewEvent | null, txRow: number | null = null): void {
    if (!event) return;
    this.lastPosition += 1;
    this.ids.push(event.id);
    this.firstAccount.push(this.accounts.length);
    if (event.type !== 'transaction.posted' || txRow === null) {
      this.txRow.push(0);
      this.objects.set(this.lastPosition, event);
      return;
    }
    this.txRow.push(txRow);
    for (const a of (event.payload as { accounts: Account[] }).accounts) this.accounts.push(a);
  }

  read(after: number, limit: number, transactions: TransactionTable, accountRow: AccountRow): EventPage {
    const events = [];
    for (let position = Math.max(after, this.prunedThrough) + 1; position <= this.lastPosition && events.length < limit; position++) {
      const e = this.objects.get(position) ?? this.posted(position, transactions, accountRow);
      events.push(storedEvent(e, eventPayloadJson(e), position));
    }
    return { events, prunedThrough: this.prunedThrough, lastPosition: this.lastPosition };
  }

  prune(through: number): void {
    const upTo = Math.min(through, this.lastPosition);
    if (upTo <= this.prunedThrough) return;
    for (const position of this.objects.keys()) {
      if (position > upTo) break;
      this.objects.delete(position);
    }
    const firstKeptAccount = upTo < this.lastPosition ? this.firstAccount.get(upTo) : this.accounts.length;
    for (const c of [this.ids, this.txRow, this.firstAccount]) c.dropBefore(upTo);
    this.accounts.dropBefore(firstKeptAccount);
    this.prunedThrough = upTo;
  }

  /** The `transaction.posted` event at `position`, rebuilt: the transaction as posted, the accounts right after. */
  private posted(position: number, transactions: TransactionTable, accountRow: AccountRow): NewEvent {
    const i = position - 1;
    const transaction = transactions.at(this.txRow.get(i), true);
    const end = position < this.lastPosition ? this.firstAccount.get(i + 1) : this.accounts.length;
    const accounts = this.accounts.read(this.firstAccount.get(i), end, accountRow);
    return { id: this.ids.id(i), type: 'transaction.posted', occurredAt: transaction.createdAt, payload: { transaction, accounts } };
  }
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
