import type { Db } from 'mongodb';
import type { RateLimitStore } from 'bankcore';
import { guarded, isDuplicateKey, storageFailure } from './errors.js';

interface WindowDocument {
  _id: string;
  count: number;
  resetAt: Date;
}

/**
 * A fixed-window {@link RateLimitStore} in MongoDB, so every process serving one bank shares its limits.
 * Each attempt is one atomic update; a TTL index on `resetAt` removes expired windows.
 *
 * @param db - the database to keep the `rateLimits` collection in (usually the bank's own).
 * @param now - time source in milliseconds; default `Date.now`.
 * @example
 * ```ts
 * createHttpHandler(bank, { rateLimitStore: mongodbRateLimitStore(client.db('bankcore')) })
 * ```
 */
export function mongodbRateLimitStore(db: Db, now: () => number = Date.now): RateLimitStore & { init(): Promise<void> } {
  const windows = db.collection<WindowDocument>('rateLimits');
  return {
    init: () => guarded(async () => void (await windows.createIndex({ resetAt: 1 }, { expireAfterSeconds: 0, name: 'resetAt_ttl' }))),
    async hit(key, limit, windowSeconds) {
      const answer = (w: WindowDocument, t: number) => ({
        allowed: w.count <= limit,
        remaining: Math.max(0, limit - w.count),
        retryAfterSeconds: Math.max(1, Math.ceil((w.resetAt.getTime() - t) / 1000)),
      });
      // Three atomic steps, retried until one applies: count in the open window, open a new window, or
      // restart an expired one. Concurrent callers each land in exactly one of them.
      for (let attempt = 0; attempt < 5; attempt++) {
        const t = now();
        try {
          const open = await windows.findOneAndUpdate(
            { _id: key, resetAt: { $gt: new Date(t) } },
            { $inc: { count: 1 } },
            { returnDocument: 'after' },
          );
          if (open) return answer(open, t);
          const fresh: WindowDocument = { _id: key, count: 1, resetAt: new Date(t + windowSeconds * 1000) };
          try {
            await windows.insertOne(fresh);
            return answer(fresh, t);
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
          }
          const restarted = await windows.findOneAndUpdate(
            { _id: key, resetAt: { $lte: new Date(t) } },
            { $set: { count: 1, resetAt: fresh.resetAt } },
            { returnDocument: 'after' },
          );
          if (restarted) return answer(restarted, t);
        } catch (error) {
          throw storageFailure(error);
        }
      }
      throw storageFailure(new Error(`rate-limit window ${key} kept changing under contention`));
    },
  };
}
