import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeStorageAdapter } from 'bankcore/testing';
import { sqliteAdapter, type SqliteDriver } from 'bankcore/sqlite';

// The driver under test: better-sqlite3 on the machine's Node; CI runs this file again on Node 24 with
// BANKCORE_SQLITE_DRIVER=node:sqlite (Node's built-in driver, no dependency).
const driver = (process.env['BANKCORE_SQLITE_DRIVER'] ?? 'better-sqlite3') as SqliteDriver;
const dir = mkdtempSync(join(tmpdir(), 'bankcore-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// Every test gets its own file, so each starts empty; durable (WAL, synchronous=FULL) as in production.
describeStorageAdapter(`sqlite adapter (${driver})`, () => sqliteAdapter({ filename: join(dir, `conformance-${n++}.db`), driver }));
