// A MongoDB wire-protocol test double on loopback, for machines without mongod. It is not MongoDB: one
// process, state in memory, no durability, no replication, no failover. What it does model honestly is what
// an adapter's correctness rests on: unique indexes, guarded updates, Int64 values, and snapshot-isolated
// transactions that stay invisible until commit, roll back on abort, and fail with TransientTransactionError
// on a write conflict.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CommandRouter, type DoubleOptions } from './commands.js';
import { encodeReply, readMessages } from './wire.js';

export interface MongoDouble {
  /** A connection string for the official driver. */
  uri: string;
  close(): Promise<void>;
}

/** Starts the double on 127.0.0.1 and a free port. */
export async function startMongoDouble(options: Partial<Pick<DoubleOptions, 'topology'>> = {}): Promise<MongoDouble> {
  let host = '127.0.0.1:0';
  const router = new CommandRouter({ topology: options.topology ?? 'replicaSet', host: () => host });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connectionId = router.connectionOpened();
    let pending: Buffer = Buffer.alloc(0);
    let chain = Promise.resolve();
    socket.on('data', (chunk) => {
      const { messages, rest } = readMessages(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const message of messages) {
        // One reply per request, in order: a driver connection never has two requests outstanding.
        chain = chain.then(async () => {
          const reply = await router.run(message.command, connectionId);
          if (!message.noReply && !socket.destroyed) socket.write(encodeReply(message, reply));
        });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const query = options.topology === 'standalone' ? 'directConnection=true' : 'replicaSet=rs0';
  return {
    uri: `mongodb://${host}/?${query}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
