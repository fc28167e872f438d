/** The outcome of counting one attempt against a limit. */
export interface RateLimitHit {
  allowed: boolean;
  /** Attempts left in the current window after this one. */
  remaining: number;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

/**
 * Where rate-limit counters live. The in-memory default serves one process; use a shared store
 * (e.g. the MongoDB one) when several processes serve the same bank.
 */
export interface RateLimitStore {
  /** Counts one attempt for `key` in a fixed window of `windowSeconds`, allowing at most `limit`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitHit>;
}

/** One limit: at most `limit` attempts per `windowSeconds`. */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/** Limits on guessing, sign-ups and enumeration; `false` turns one off. */
export interface RateLimits {
  /** `POST /token` per client address; default 30 a minute. */
  tokenPerAddress: RateLimitRule | false;
  /**
   * `POST /token` per (username, client address); default 10 a minute. Guessing from one place stops here, and a
   * stranger elsewhere cannot lock out a user who logs in from their usual address.
   */
  tokenPerUsernameAndAddress: RateLimitRule | false;
  /** `POST /token` per username from all addresses together: the ceiling on distributed guessing; default 100 an hour. */
  tokenPerUsername: RateLimitRule | false;
  /** `POST /createUser` per client address; default 20 an hour. */
  createUserPerAddress: RateLimitRule | false;
  /** `POST /changePassword` per user; default 5 a minute. */
  changePasswordPerUser: RateLimitRule | false;
  /** `POST /changePassword` per client address; default 20 a minute. */
  changePasswordPerAddress: RateLimitRule | false;
  /** `POST /addAccount` per user; default 20 a minute. */
  addAccountPerUser: RateLimitRule | false;
  /** Transfers refused as ACCOUNT_NOT_FOUND or CURRENCY_MISMATCH, per user: no enumerating payees; default 20 an hour. */
  failedTransfersPerUser: RateLimitRule | false;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  tokenPerAddress: { limit: 30, windowSeconds: 60 },
  tokenPerUsernameAndAddress: { limit: 10, windowSeconds: 60 },
  tokenPerUsername: { limit: 100, windowSeconds: 3600 },
  createUserPerAddress: { limit: 20, windowSeconds: 3600 },
  changePasswordPerUser: { limit: 5, windowSeconds: 60 },
  changePasswordPerAddress: { limit: 20, windowSeconds: 60 },
  addAccountPerUser: { limit: 20, windowSeconds: 60 },
  failedTransfersPerUser: { limit: 20, windowSeconds: 3600 },
};

/**
 * An in-memory fixed-window {@link RateLimitStore}. Expired windows are swept as the map grows, so memory
 * stays bounded by the number of keys seen within one window.
 *
 * @param now - time source in milliseconds; default `Date.now`.
 * @example
 * ```ts
 * createHttpHandler(bank, { rateLimitStore: memoryRateLimitStore() })
 * ```
 */
export function memoryRateLimitStore(now: () => number = Date.now): RateLimitStore {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let sweepAt = 1024;
  return {
    async hit(key, limit, windowSeconds) {
      const t = now();
      if (windows.size >= sweepAt) {
        for (const [k, w] of windows) if (w.resetAt <= t) windows.delete(k);
        sweepAt = Math.max(1024, windows.size * 2);
      }
      let window = windows.get(key);
      if (!window || window.resetAt <= t) {
        window = { count: 0, resetAt: t + windowSeconds * 1000 };
        windows.set(key, window);
      }
      window.count++;
      return {
        allowed: window.count <= limit,
        remaining: Math.max(0, limit - window.count),
        retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - t) / 1000)),
      };
    },
  };
}
