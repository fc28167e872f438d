// Child process for the fsync-order tests, run under strace: `first-write <file>` opens a store on <file>, makes
// one write (a new user) and then writes "acknowledged" to stdout; `backup <source> <target>` backs <source> up and then
// writes "backed up". What the tests read is the order of the system calls before those lines.
import { createBank, INSECURE_TEST_PASSWORD_HASHING } from 'bankcore';
import { backupDatabase, sqliteAdapter } from 'bankcore/sqlite';

const [mode, first, second] = process.argv.slice(2);
if (mode === 'first-write') {
  const bank = createBank({ storage: sqliteAdapter({ filename: first! }), tokens: { secret: 'fsync-probe-secret-that-is-long-enough!' }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING });
  await bank.init();
  await bank.register({ username: 'probe', password: 'probe password' });
  process.stdout.write('acknowledged\n');
  await bank.close();
} else if (mode === 'backup') {
  await backupDatabase(first!, second!);
  process.stdout.write('backed up\n');
} else {
  throw new Error(`unknown mode ${mode}`);
}
