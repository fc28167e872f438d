import { closeSync, openSync, readSync, writeSync } from 'node:fs';

/**
 * Damages page `page` (1-based) of a closed SQLite database file: its first bytes, the b-tree page type among them,
 * become invalid. Page 2 is the first b-tree page after the header page.
 */
export function damagePage(file: string, page = 2): void {
  const fd = openSync(file, 'r+');
  try {
    const header = Buffer.alloc(100);
    readSync(fd, header, 0, 100, 0);
    const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
    writeSync(fd, Buffer.from([0x00, 0xff, 0xff, 0xff]), 0, 4, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}
