// Child process: a program that registers a user with the threaded hasher and closes the bank must then exit.
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { createThreadedPasswordHasher } from 'bankcore/node';

const hasher = createThreadedPasswordHasher({ algorithm: 'argon2id', memoryKiB: 256, iterations: 1, parallelism: 1, insecure: true }, { threads: 2 });
const bank = createBank({ storage: memoryAdapter(), tokens: { secret: 'an-exit-test-secret-of-at-least-32-bytes' }, passwordHasher: hasher });
await bank.register({ username: 'leaver', password: 'leaver-has-a-long-password' });
await bank.login({ username: 'leaver', password: 'leaver-has-a-long-password' });
await bank.close();
process.stdout.write('done\n');
