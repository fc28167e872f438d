import type { Metadata, Transaction, TransactionLeg, TransactionType } from 'bankcore';
import { floats, IdColumn, Interned, internString, words } from './columns.js';

/** The fields most transactions leave empty, kept only for those that do not. */
interface Rare {
  reference: string | null;
  metadata: Metadata;
  reversalOf: string | null;
  reversedBy: string | null;
  holdId: string | null;
}

/** One side of a leg as a customer names it: the same few per account, so interned. */
type Party = Pick<TransactionLeg, 'accountId' | 'bankCode' | 'accountNumber'>;

/**
 * The memory store's transactions, one row each in columns (see `columns.ts`), found by id in O(1) and rebuilt as a
 * fresh {@link Transaction} on every read: a caller can never mutate what is stored.
 */
export class TransactionTable {
  private readonly ids = new IdColumn({ indexed: true });
  private readonly strings = new Interned();
  private readonly parties = new Interned<Party>();
  private readonly type = words();
  private readonly currency = words();
  /** The initiator's interned id + 1; 0 for the operator (null). */
  private readonly initiator = words();
  private readonly amount = floats();
  private readonly createdAt = floats();
  /** Row of the transaction's first leg in the leg columns; its legs run to the next transaction's first. */
  private readonly firstLeg = words();
  private readonly legParty = words();
  private readonly legAmount = floats();
  private readonly rare = new Map<number, Rare>();

  get length(): number {
    return this.ids.length;
  }

  /** Stores a new transaction and answers its row. Ids are unique (the core makes them): a repeat is a defect. */
  add(t: Transaction): number {
    const row = this.ids.push(t.id);
    if (row === null) throw new Error(`transaction ${t.id} is stored already`);
    this.type.push(internString(this.strings, t.type));
    this.currency.push(internString(this.strings, t.currency));
    this.initiator.push(t.initiatorId === null ? 0 : internString(this.strings, t.initiatorId) + 1);
    this.amount.push(t.amount);
    this.createdAt.push(t.createdAt.getTime());
    this.firstLeg.push(this.legParty.length);
    for (const l of t.legs) {
      this.legParty.push(this.party(l));
      this.legAmount.push(l.amount);
    }
    // Most transactions have none of these: checked before building the object, which every add paid for.
    if (!hasNoRare(t)) {
      this.setRare(row, { reference: t.reference, metadata: { ...t.metadata }, reversalOf: t.reversalOf, reversedBy: t.reversedBy, holdId: t.holdId });
    }
    return row;
  }

  /** Records that row `row` was reversed by `reversedBy`: the one thing about a transaction that ever changes. */
  markReversed(row: number, reversedBy: string | null): void {
    this.setRare(row, { ...this.rareOf(row), reversedBy });
  }

  /** The row of transaction `id`, or null. */
  find(id: string): number | null {
    return this.ids.find(id);
  }

  /** The commit time of row `row`, in ms: a binary search over a ledger reads only this. */
  timeAt(row: number): number {
    return this.createdAt.get(row);
  }

  /**
   * The transaction of row `row`, as a new object. `asPosted` gives it as it was when posted (before any reversal
   * marked it), which is what its `transaction.posted` event carried.
   */
  at(row: number, asPosted = false): Transaction {
    const end = row + 1 < this.length ? this.firstLeg.get(row + 1) : this.legParty.length;
    const legs: TransactionLeg[] = [];
    for (let i = this.firstLeg.get(row); i < end; i++) {
      const p = this.parties.value(this.legParty.get(i));
      legs.push({ accountId: p.accountId, bankCode: p.bankCode, accountNumber: p.accountNumber, amount: this.legAmount.get(i) });
    }
    const rare = this.rare.get(row);
    const initiator = this.initiator.get(row);
    // The field order of `draftTransaction`, so that JSON written from either reads the same.
    return {
      id: this.ids.id(row),
      type: this.strings.value(this.type.get(row)) as TransactionType,
      amount: this.amount.get(row),
      currency: this.strings.value(this.currency.get(row)),
      legs,
      reference: rare?.reference ?? null,
      metadata: rare ? { ...rare.metadata } : {},
      initiatorId: initiator === 0 ? null : this.strings.value(initiator - 1),
      reversalOf: rare?.reversalOf ?? null,
      reversedBy: asPosted ? null : (rare?.reversedBy ?? null),
      holdId: rare?.holdId ?? null,
      createdAt: new Date(this.createdAt.get(row)),
    };
  }

  /** The interned party of a leg: found by account id alone, since an account's bank code and number never change. */
  private party(l: TransactionLeg): number {
    // Found first without a closure to make: a known party is nearly every leg.
    const n = this.parties.find(l.accountId);
    const known = n === undefined ? undefined : this.parties.value(n);
    if (known && known.bankCode === l.bankCode && known.accountNumber === l.accountNumber) return n!;
    const copy = () => ({ accountId: l.accountId, bankCode: l.bankCode, accountNumber: l.accountNumber });
    if (!known) return this.parties.number(l.accountId, copy);
    // A plan built by hand may name one account id with two refs; the core never does.
    return this.parties.number(`\u0000${l.accountId}\u0000${l.bankCode}\u0000${l.accountNumber}`, copy);
  }

  private rareOf(row: number): Rare {
    return this.rare.get(row) ?? { reference: null, metadata: {}, reversalOf: null, reversedBy: null, holdId: null };
  }

  private setRare(row: number, rare: Rare): void {
    if (hasNoRare(rare)) this.rare.delete(row);
    else this.rare.set(row, rare);
  }
}

/** Whether a transaction (or its rare fields) has none of them: no reference, links or metadata. */
function hasNoRare(r: Rare): boolean {
  return r.reference === null && r.reversalOf === null && r.reversedBy === null && r.holdId === null && isEmpty(r.metadata);
}

function isEmpty(metadata: Metadata): boolean {
  for (const _ in metadata) return false;
  return true;
}
