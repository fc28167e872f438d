// Worker thread of bankcore's password-hash pool: runs one key derivation per message, synchronously (this
// thread has nothing else to do), and posts the bytes back.
import { parentPort } from 'node:worker_threads';
import { argon2id } from '@noble/hashes/argon2.js';
import { scrypt } from '@noble/hashes/scrypt.js';

parentPort.on('message', ({ id, algorithm, options, input, salt }) => {
  try {
    const hash = algorithm === 'argon2id' ? argon2id(input, salt, options) : scrypt(input, salt, options);
    parentPort.postMessage({ id, hash }, [hash.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) });
  }
});
