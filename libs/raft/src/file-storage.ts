import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { decodeEntries, encodeEntries } from './frame';
import { applyOp, toOps, type RaftStorage, type StorageWrite } from './storage';
import { EMPTY_HARD_STATE, type Entry, type HardState, type PersistedState, type Snapshot } from './types';

/** zlib.crc32 arrived in Node 20.15/22.2; the table fallback keeps older runtimes working. */
const nativeCrc = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
let table: Uint32Array | null = null;
export function crc32(buf: Uint8Array): number {
  if (nativeCrc) return nativeCrc(buf) >>> 0;
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = table[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const HEADER = 8; // u32 length, u32 crc32 of the payload
const MAX_RECORD = 64 * 1024 * 1024;

type Record = { t: 'hs'; hs: HardState } | { t: 'e'; e: Entry[] } | { t: 's'; s: Snapshot };

/** Payloads are JSON (they start with '{') except entry batches, written in the frame layout. */
const BINARY_ENTRIES = 0x01;

function encode(r: Record): Buffer {
  let b: Buffer;
  if (r.t === 'e') {
    // The hot record: binary is several times cheaper than JSON here (see docs/raft.md).
    b = encodeEntries(r.e, HEADER + 1);
    b.writeUInt8(BINARY_ENTRIES, HEADER);
  } else {
    const json = Buffer.from(JSON.stringify(r), 'utf8');
    b = Buffer.allocUnsafe(HEADER + json.length);
    json.copy(b, HEADER);
  }
  const payload = b.subarray(HEADER);
  b.writeUInt32LE(payload.length, 0);
  b.writeUInt32LE(crc32(payload), 4);
  return b;
}

function decode(payload: Buffer): Record {
  if (payload[0] === BINARY_ENTRIES) return { t: 'e', e: decodeEntries(payload.subarray(1)) };
  return JSON.parse(payload.toString('utf8')) as Record;
}

/**
 * Raft storage in one append-only file of checksummed records (snapshot, entries, hard state),
 * fsynced once per `save`. On open, replay stops at the first short or corrupt record — a torn
 * tail from a crash mid-write — and the file is cut there. A snapshot rewrites the file
 * (write to a temp file, fsync, rename) so the log does not grow without bound.
 */
export class FileStorage implements RaftStorage {
  private fd: number;
  private state: { hardState: HardState; snapshot: Snapshot | null; entries: Entry[] };
  /** Bytes cut from a torn tail at open (for logs and tests). */
  readonly tornBytes: number;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.state = { hardState: { ...EMPTY_HARD_STATE }, snapshot: null, entries: [] };
    const buf = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
    let off = 0;
    while (off + HEADER <= buf.length) {
      const len = buf.readUInt32LE(off);
      const crc = buf.readUInt32LE(off + 4);
      if (len > MAX_RECORD || off + HEADER + len > buf.length) break;
      const payload = buf.subarray(off + HEADER, off + HEADER + len);
      if (crc32(payload) !== crc) break;
      let rec: Record;
      try {
        rec = decode(payload);
      } catch {
        break;
      }
      this.replay(rec);
      off += HEADER + len;
    }
    this.tornBytes = buf.length - off;
    this.fd = fs.openSync(file, fs.existsSync(file) ? 'r+' : 'w+');
    if (this.tornBytes > 0) {
      fs.ftruncateSync(this.fd, off);
      fs.fsyncSync(this.fd);
    }
    this.position = off;
  }

  private position: number;

  load(): PersistedState {
    return {
      hardState: { ...this.state.hardState },
      snapshot: this.state.snapshot,
      entries: [...this.state.entries],
    };
  }

  save(w: StorageWrite): void {
    if (w.snapshot) {
      const t = this.compact(w);
      fs.fsyncSync(t.fd);
      fs.closeSync(t.fd);
      this.swapIn(t);
      const dfd = fs.openSync(path.dirname(this.file), 'r');
      fs.fsyncSync(dfd);
      fs.closeSync(dfd);
    } else if (this.append(w)) {
      fs.fsyncSync(this.fd);
    }
  }

  /**
   * The same write with the fsyncs on libuv's thread pool, so the event loop keeps serving the
   * network while the disk syncs (the bytes reach the page cache at once). The caller starts no
   * other write before the promise resolves.
   */
  async saveAsync(w: StorageWrite): Promise<void> {
    if (w.snapshot) {
      const t = this.compact(w);
      await fsyncAsync(t.fd);
      fs.closeSync(t.fd);
      this.swapIn(t);
      const dfd = fs.openSync(path.dirname(this.file), 'r');
      try {
        await fsyncAsync(dfd);
      } finally {
        fs.closeSync(dfd);
      }
    } else if (this.append(w)) {
      await fsyncAsync(this.fd);
    }
  }

  /** Writes the records at the end of the file; true if anything was written (an fsync is owed). */
  private append(w: StorageWrite): boolean {
    const bufs: Buffer[] = [];
    for (const op of toOps(w)) {
      applyOp(this.state, op);
      if (op.kind === 'ents') bufs.push(encode({ t: 'e', e: op.entries }));
      else if (op.kind === 'hs') bufs.push(encode({ t: 'hs', hs: op.hs }));
    }
    if (bufs.length === 0) return false;
    const b = Buffer.concat(bufs);
    fs.writeSync(this.fd, b, 0, b.length, this.position);
    this.position += b.length;
    return true;
  }

  /**
   * Compaction: applies a write that carries a snapshot and writes the whole new image (snapshot,
   * the entries after it, hard state) to a temp file. The caller fsyncs it, then `swapIn`
   * renames it over the log and fsyncs the directory, so a crash leaves the old or the new file.
   */
  private compact(w: StorageWrite): { fd: number; tmp: string; size: number } {
    applyOp(this.state, { kind: 'snap', snap: w.snapshot! });
    if (w.entries && w.entries.length > 0) applyOp(this.state, { kind: 'ents', entries: [...w.entries] });
    if (w.hardState) applyOp(this.state, { kind: 'hs', hs: w.hardState });
    const parts: Buffer[] = [];
    if (this.state.snapshot) parts.push(encode({ t: 's', s: this.state.snapshot }));
    if (this.state.entries.length > 0) parts.push(encode({ t: 'e', e: this.state.entries }));
    parts.push(encode({ t: 'hs', hs: this.state.hardState }));
    const b = Buffer.concat(parts);
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, b);
    return { fd, tmp, size: b.length };
  }

  private swapIn(t: { tmp: string; size: number }): void {
    fs.closeSync(this.fd);
    fs.renameSync(t.tmp, this.file);
    this.fd = fs.openSync(this.file, 'r+');
    this.position = t.size;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private replay(r: Record): void {
    if (r.t === 'hs') applyOp(this.state, { kind: 'hs', hs: r.hs });
    else if (r.t === 'e') applyOp(this.state, { kind: 'ents', entries: r.e });
    else if (r.t === 's') applyOp(this.state, { kind: 'snap', snap: r.s });
  }
}

function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}
