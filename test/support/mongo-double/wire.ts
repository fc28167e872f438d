// MongoDB wire protocol framing: OP_MSG (every command of a modern driver) and OP_QUERY/OP_REPLY (the legacy
// handshake). Only what a driver sends to a single server; no compression.
import { BSON, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;
const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 2;

export interface Message {
  requestId: number;
  opCode: number;
  /** The command, with kind-1 document sequences (e.g. `documents` of an insert) folded in as arrays. */
  command: Document;
  /** True when the client expects no reply (OP_MSG moreToCome, for unacknowledged writes). */
  noReply: boolean;
}

const DESERIALIZE = { useBigInt64: true, promoteBuffers: false } as const;

/** Splits complete messages off the front of `buffer`; returns them and the unconsumed rest. */
export function readMessages(buffer: Buffer): { messages: Message[]; rest: Buffer } {
  const messages: Message[] = [];
  let offset = 0;
  while (buffer.length - offset >= 16) {
    const length = buffer.readInt32LE(offset);
    if (buffer.length - offset < length) break;
    const frame = buffer.subarray(offset, offset + length);
    offset += length;
    messages.push(parseFrame(frame));
  }
  return { messages, rest: buffer.subarray(offset) };
}

function parseFrame(frame: Buffer): Message {
  const requestId = frame.readInt32LE(4);
  const opCode = frame.readInt32LE(12);
  if (opCode === OP_MSG) {
    const flags = frame.readUInt32LE(16);
    const end = frame.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
    let offset = 20;
    let command: Document = {};
    const sequences: Record<string, Document[]> = {};
    while (offset < end) {
      const kind = frame[offset]!;
      offset += 1;
      if (kind === 0) {
        const size = frame.readInt32LE(offset);
        command = BSON.deserialize(frame.subarray(offset, offset + size), DESERIALIZE);
        offset += size;
      } else {
        const size = frame.readInt32LE(offset);
        const sectionEnd = offset + size;
        const nameEnd = frame.indexOf(0, offset + 4);
        const name = frame.toString('utf8', offset + 4, nameEnd);
        let at = nameEnd + 1;
        const docs: Document[] = [];
        while (at < sectionEnd) {
          const docSize = frame.readInt32LE(at);
          docs.push(BSON.deserialize(frame.subarray(at, at + docSize), DESERIALIZE));
          at += docSize;
        }
        sequences[name] = docs;
        offset = sectionEnd;
      }
    }
    return { requestId, opCode, command: { ...command, ...sequences }, noReply: (flags & MORE_TO_COME) !== 0 };
  }
  if (opCode === OP_QUERY) {
    const nameEnd = frame.indexOf(0, 20);
    const at = nameEnd + 1 + 8;
    const size = frame.readInt32LE(at);
    const query = BSON.deserialize(frame.subarray(at, at + size), DESERIALIZE);
    // A legacy query may wrap the command as { $query: {...}, $readPreference: ... }.
    const command = (query['$query'] as Document | undefined) ?? query;
    return { requestId, opCode, command, noReply: false };
  }
  throw new Error(`unsupported opCode ${opCode}`);
}

let nextResponseId = 1;

/** Frames a reply document for the request it answers, in the request's protocol. */
export function encodeReply(request: Message, reply: Document): Buffer {
  const body = Buffer.from(BSON.serialize(reply));
  const header = Buffer.alloc(16);
  if (request.opCode === OP_QUERY) {
    const prefix = Buffer.alloc(20);
    prefix.writeInt32LE(8, 0); // responseFlags: AwaitCapable
    prefix.writeBigInt64LE(0n, 4); // cursorID
    prefix.writeInt32LE(0, 12); // startingFrom
    prefix.writeInt32LE(1, 16); // numberReturned
    header.writeInt32LE(16 + prefix.length + body.length, 0);
    header.writeInt32LE(nextResponseId++, 4);
    header.writeInt32LE(request.requestId, 8);
    header.writeInt32LE(OP_REPLY, 12);
    return Buffer.concat([header, prefix, body]);
  }
  const flags = Buffer.alloc(5); // flagBits 0, then section kind 0
  header.writeInt32LE(16 + flags.length + body.length, 0);
  header.writeInt32LE(nextResponseId++, 4);
  header.writeInt32LE(request.requestId, 8);
  header.writeInt32LE(OP_MSG, 12);
  return Buffer.concat([header, flags, body]);
}
