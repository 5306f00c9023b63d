/**
 * FileSnap: ZooKeeper's snapshot format, `<dataDir>/version-2/snapshot.<zxid hex>`.
 *
 *   FileHeader  int32 magic "ZKSN" (0x5a4b534e), int32 version 2, int64 dbid 0
 *   sessions    int32 count, then (int64 id, int32 timeoutMs) each
 *   ACL cache   int32 count, then (int64 index, vector<ACL>) each
 *   nodes       (ustring path, DataNode) pre-order from the root, whose path is written as ""
 *               DataNode = buffer data, int64 acl index, StatPersisted
 *               ended by the path "/"
 *   seal        int64 Adler32 of everything above, then ustring "/"
 *
 * ZooKeeper 3.6+ may append a digest (and a second seal) after that; readers treat its absence
 * as "no digest" (FileSnap.deserialize catches the EOF), so we write none and skip one if
 * present. A snapshot is valid when it ends with the 5 bytes of ustring "/"
 * (SnapStream.isValidSnapshot). Written to a temp name, fsynced, then renamed.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { uncompressSync } from 'snappy';
import { PERSISTENCE_VERSION, SNAP_MAGIC } from '../../jute/constants.js';
import * as J from '../../jute/generated/records.js';
import { readBuffer, readUstring, readVector, writeBuffer, writeUstring } from '../../jute/runtime.js';
import { Reader, Writer } from '../../util/bytes.js';
import { DecodeError } from '../../util/errors.js';
import { DataNode, DataTree, type DataTreeOptions } from '../server/data-tree.js';
import { childPath } from '../server/path-utils.js';
import { Adler32 } from './adler32.js';
import { listByZxid, makeSnapshotName, versionDir } from './file-names.js';

export function serializeSnapshot(tree: DataTree, sessions: ReadonlyMap<bigint, number>): Buffer {
  const w = new Writer(1 << 16);
  J.encodeFileHeader(w, { magic: SNAP_MAGIC, version: PERSISTENCE_VERSION, dbid: 0n });
  w.int32(sessions.size);
  for (const [id, timeout] of sessions) w.int64(id).int32(timeout);
  const acls = tree.aclCache.entries();
  w.int32(acls.length);
  for (const [index, list] of acls) {
    w.int64(index);
    w.int32(list.length);
    for (const a of list) J.encodeACL(w, a);
  }
  const stack = ['/'];
  while (stack.length > 0) {
    const path = stack.pop()!;
    const node = tree.getNode(path)!;
    writeUstring(w, path === '/' ? '' : path);
    writeBuffer(w, node.data);
    w.int64(node.acl);
    J.encodeStatPersisted(w, node.stat);
    const children = [...node.children];
    for (let i = children.length - 1; i >= 0; i--) stack.push(childPath(path, children[i]!));
  }
  writeUstring(w, '/');
  const body = w.finish();
  const crc = new Adler32().update(body).value();
  w.int64(crc);
  writeUstring(w, '/');
  return Buffer.from(w.finish());
}

export interface LoadedSnapshot {
  tree: DataTree;
  sessions: Map<bigint, number>;
}

export function deserializeSnapshot(buf: Buffer, options: DataTreeOptions): LoadedSnapshot {
  const r = new Reader(buf);
  const header = J.decodeFileHeader(r);
  if (header.magic !== SNAP_MAGIC) throw new DecodeError(`not a snapshot (magic ${header.magic.toString(16)})`);
  const sessions = new Map<bigint, number>();
  const sessionCount = r.int32();
  if (sessionCount < 0 || sessionCount * 12 > r.remaining) throw new DecodeError(`bad session count ${sessionCount}`);
  for (let i = 0; i < sessionCount; i++) sessions.set(r.int64(), r.int32());
  const tree = new DataTree(options, false);
  const aclCount = r.int32();
  if (aclCount < 0 || aclCount * 12 > r.remaining) throw new DecodeError(`bad ACL map size ${aclCount}`);
  for (let i = 0; i < aclCount; i++) {
    const index = r.int64();
    tree.aclCache.load(index, readVector(r, 12, J.decodeACL));
  }
  while (true) {
    const rawPath = readUstring(r);
    if (rawPath === '/') break;
    const data = readBuffer(r);
    const acl = r.int64();
    const stat = J.decodeStatPersisted(r);
    tree.loadNode(rawPath === '' ? '/' : rawPath, new DataNode(data, acl, stat));
  }
  const sealAt = r.offset;
  const crc = r.int64();
  if (new Adler32().update(buf, 0, sealAt).value() !== crc) throw new DecodeError('snapshot checksum mismatch');
  if (readUstring(r) !== '/') throw new DecodeError('snapshot seal missing');
  if (tree.getNode('/') === undefined) throw new DecodeError('snapshot has no root');
  tree.aclCache.purgeUnused();
  return { tree, sessions };
}

/**
 * A snapshot file's bytes, decompressed when ZooKeeper wrote it with a compression method:
 * `.gz` is gzip; `.snappy` is snappy-java's SnappyOutputStream: the 8-byte magic
 * 0x82 "SNAPPY" 0x00, two int32 versions, then blocks of int32 length + raw snappy data.
 */
function readSnapshotBytes(path: string): Buffer {
  const raw = readFileSync(path);
  if (path.endsWith('.gz')) return gunzipSync(raw, { maxOutputLength: MAX_SNAPSHOT_BYTES });
  if (path.endsWith('.snappy')) return unsnappyStream(raw);
  return raw;
}

const SNAPPY_STREAM_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function unsnappyStream(raw: Buffer): Buffer {
  if (raw.length < 16 || !raw.subarray(0, 8).equals(SNAPPY_STREAM_MAGIC)) throw new DecodeError('not a snappy-java stream');
  const r = new Reader(raw, 16);
  const blocks: Buffer[] = [];
  let total = 0;
  while (r.remaining > 0) {
    const n = r.int32();
    if (n < 0) throw new DecodeError(`bad snappy block length ${n}`);
    const block = uncompressSync(r.bytes(n), { asBuffer: true }) as Buffer;
    total += block.length;
    if (total > MAX_SNAPSHOT_BYTES) throw new DecodeError('snapshot too large');
    blocks.push(block);
  }
  return Buffer.concat(blocks);
}

/** Largest snapshot (uncompressed) the keeper loads. */
const MAX_SNAPSHOT_BYTES = 2 ** 31 - 1;

/** SnapStream.isValidSnapshot: long enough and ending with ustring "/". */
export function isValidSnapshotFile(path: string): boolean {
  try {
    if (!path.endsWith('.gz') && !path.endsWith('.snappy') && statSync(path).size < 10) return false;
    const buf = readSnapshotBytes(path);
    const size = buf.length;
    return size >= 10 && buf.readInt32BE(size - 5) === 1 && buf[size - 1] === 0x2f;
  } catch {
    return false;
  }
}

export function writeSnapshot(dataDir: string, zxid: bigint, tree: DataTree, sessions: ReadonlyMap<bigint, number>): string {
  const dir = versionDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const name = makeSnapshotName(zxid);
  const bytes = serializeSnapshot(tree, sessions);
  const tmp = join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, bytes, 0, bytes.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
  return name;
}

/** Newest valid snapshot that deserializes, with the zxid from its name. */
export function loadNewestSnapshot(dataDir: string, options: DataTreeOptions, onSkip?: (name: string, why: string) => void): (LoadedSnapshot & { zxid: bigint; name: string }) | null {
  const dir = versionDir(dataDir);
  const snaps = listByZxid(dir, 'snapshot').reverse();
  for (const s of snaps) {
    const path = join(dir, s.name);
    if (!isValidSnapshotFile(path)) {
      onSkip?.(s.name, 'invalid (not sealed)');
      continue;
    }
    try {
      const loaded = deserializeSnapshot(readSnapshotBytes(path), options);
      loaded.tree.lastProcessedZxid = s.zxid;
      return { ...loaded, zxid: s.zxid, name: s.name };
    } catch (e) {
      onSkip?.(s.name, String(e));
    }
  }
  return null;
}

export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
