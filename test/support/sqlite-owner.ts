// Child process for the locking test: tries to own a database file, says whether it won, holds it a moment.
import { sqliteAdapter } from 'bankcore/sqlite';

const adapter = sqliteAdapter({ filename: process.argv[2]! });
try {
  await adapter.init!();
  process.stdout.write('won\n');
  await new Promise((resolve) => setTimeout(resolve, 400));
  await adapter.close!();
} catch (error) {
  process.stdout.write(`refused: ${(error as { code?: string }).code} ${(error as Error).message}\n`);
}
