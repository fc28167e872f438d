// Child process for the locking test: tries to own a database file and says whether it won. A winner holds the
// file until its stdin closes, which the test does only once both racers have answered: so the two always overlap,
// however slowly either process starts.
import { sqliteAdapter } from 'bankcore/sqlite';

const adapter = sqliteAdapter({ filename: process.argv[2]! });
try {
  await adapter.init!();
  process.stdout.write('won\n');
  await new Promise((resolve) => process.stdin.on('end', resolve).resume());
  await adapter.close!();
} catch (error) {
  process.stdout.write(`refused: ${(error as { code?: string }).code} ${(error as Error).message}\n`);
}
