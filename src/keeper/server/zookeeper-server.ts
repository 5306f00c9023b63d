/**
 * ZooKeeperServer (standalone): accepts client connections and runs ZooKeeper's request
 * pipeline:
 *
 *   PrepRequestProcessor  (pure)  validate, check ACLs, build the txn, assign the zxid
 *   SyncRequestProcessor  (here)  append txns to the log; once per group, fdatasync; reads
 *                                 wait in the same queue so replies keep request order
 *   FinalRequestProcessor (pure)  apply the txn to the DataTree, fire watches, build the reply
 *
 * A quorum stage (ZAB proposal / ack / commit) goes between the sync and final stages later.
 * Watch notifications a txn fires are written to their connections before that txn's reply.
 * Durability: a write is acknowledged only after the fdatasync of the group that holds it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KeeperState, OpCode, SpecialXid, ZkErrorCode } from '../../jute/constants.js';
import * as J from '../../jute/generated/records.js';
import { readBuffer } from '../../jute/runtime.js';
import { Reader, Writer } from '../../util/bytes.js';
import { DecodeError } from '../../util/errors.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { KeeperConfig } from '../config.js';
import { purge, restore } from '../persist/file-txn-snap-log.js';
import { versionDir } from '../persist/file-names.js';
import { writeSnapshot } from '../persist/snapshot.js';
import { FileTxnLog } from '../persist/txn-log.js';
import { digestAuthIds } from './acl.js';
import { containerCandidates } from './container-manager.js';
import type { DataTree } from './data-tree.js';
import { encodeReply, finalRequest } from './final-request-processor.js';
import { isFourLetterWord, runFourLetterWord } from './four-letter-words.js';
import { PrepRequestProcessor } from './prep-request-processor.js';
import { decodeRequestBody, isWriteOp, type RequestBody } from './requests.js';
import { ServerCnxn, emptyStats, type PacketTotals } from './server-cnxn.js';
import { SessionTracker, sessionPassword } from './session-tracker.js';
import { SyncRequestProcessor } from './sync-request-processor.js';
import type { Txn } from './txn.js';

interface QueuedRequest {
  cnxn: ServerCnxn | null;
  sessionId: bigint;
  xid: number;
  type: number;
  body: RequestBody;
  txn: Txn | null;
  receivedMs: number;
}

export interface ServerStats {
  packetsReceived: number;
  packetsSent: number;
  minLatencyMs: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  outstanding: number;
  uptimeMs: number;
}

/** Bounds on work per event-loop turn, so one busy client cannot starve timers. */
const MAX_BATCH_REQUESTS = 10_000;
/** Frames a client may send behind its ConnectRequest before the session exists. */
const MAX_DEFERRED_FRAMES = 1_000;

export class ZooKeeperServer {
  tree!: DataTree;
  sessions!: SessionTracker;
  private prep!: PrepRequestProcessor;
  private syncProcessor!: SyncRequestProcessor;
  private server: Server | null = null;
  private readonly cnxns = new Map<number, ServerCnxn>();
  private readonly bySession = new Map<bigint, ServerCnxn>();
  private nextCnxnId = 1;
  private queue: QueuedRequest[] = [];
  private flushScheduled = false;
  private throttled = false;
  private timers: NodeJS.Timeout[] = [];
  private latency = { min: Number.MAX_SAFE_INTEGER, max: 0, total: 0, count: 0 };
  private readonly packets: PacketTotals = { received: 0, sent: 0 };
  private readonly startedMs: number;
  private closing = false;
  port = 0;

  constructor(
    readonly config: KeeperConfig,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
    private readonly onFatal: (e: unknown) => void = () => undefined,
  ) {
    this.startedMs = clock.monotonicMs();
  }

  /** Loads the database (snapshot + log), takes a clean snapshot, and listens. */
  async start(): Promise<void> {
    const db = restore(this.config.dataDir, this.config.dataLogDir, { extendedTypesEnabled: this.config.extendedTypesEnabled }, this.log);
    this.tree = db.tree;
    this.prep = new PrepRequestProcessor(this.tree, { extendedTypesEnabled: this.config.extendedTypesEnabled });
    this.sessions = new SessionTracker(this.config.tickTimeMs, this.clock.nowMs());
    for (const [id, timeoutMs] of db.sessions) this.sessions.addSession(id, timeoutMs, this.clock.nowMs());
    const txnLog = new FileTxnLog(this.config.dataLogDir, this.config.preAllocSizeKb * 1024);
    this.syncProcessor = new SyncRequestProcessor(txnLog, this.config.snapCount, this.random);
    writeSnapshot(this.config.dataDir, this.tree.lastProcessedZxid, this.tree, this.sessionTable());
    await this.listen();
    this.startTimers();
  }

  private listen(): Promise<void> {
    const srv = createServer((socket) => this.accept(socket));
    this.server = srv;
    return new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.config.clientPort, this.config.clientPortAddress, () => {
        const addr = srv.address();
        this.port = typeof addr === 'object' && addr !== null ? addr.port : this.config.clientPort;
        srv.off('error', reject);
        srv.on('error', (e) => this.log.error({ err: e.message }, 'listener error'));
        resolve();
      });
    });
  }

  private startTimers(): void {
    const tick = Math.max(10, Math.floor(this.config.tickTimeMs / 2));
    this.timers.push(setInterval(() => this.expireSessions(), tick));
    this.timers.push(setInterval(() => this.checkContainers(), Math.max(10, this.config.containerCheckIntervalMs)));
    if (this.config.autopurgePurgeIntervalHours > 0) {
      this.purgeOldFiles();
      this.timers.push(setInterval(() => this.purgeOldFiles(), this.config.autopurgePurgeIntervalHours * 3_600_000));
    }
    for (const t of this.timers) t.unref();
  }

  purgeOldFiles(): string[] {
    const removed = purge(this.config.dataDir, this.config.dataLogDir, this.config.autopurgeSnapRetainCount);
    if (removed.length > 0) this.log.info({ removed }, 'autopurge removed old snapshots and logs');
    return removed;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (this.config.maxClientCnxns > 0) {
      let n = 0;
      for (const c of this.cnxns.values()) if (c.remoteAddress === ip) n++;
      if (n >= this.config.maxClientCnxns) {
        this.log.warn({ ip, maxClientCnxns: this.config.maxClientCnxns }, 'Too many connections from this address - closing');
        socket.destroy();
        return;
      }
    }
    const cnxn = new ServerCnxn(this.nextCnxnId++, socket, this.config.juteMaxBufferBytes, this, this.log, this.clock.nowMs(), this.packets);
    this.cnxns.set(cnxn.id, cnxn);
    if (this.throttled) socket.pause();
  }

  // ---- CnxnHandler

  onFourLetterWord(cnxn: ServerCnxn, word: string): boolean {
    if (!isFourLetterWord(word)) return false;
    // As ZooKeeper 3.8 counts them: the word is a packet received before it runs, its answer
    // a packet sent after (seen by the next command).
    this.packets.received++;
    cnxn.sendTextAndClose(runFourLetterWord(this, word));
    this.packets.sent++;
    return true;
  }

  onClose(cnxn: ServerCnxn): void {
    this.cnxns.delete(cnxn.id);
    if (this.bySession.get(cnxn.sessionId) === cnxn) this.bySession.delete(cnxn.sessionId);
    this.tree?.removeWatcher(cnxn.id);
  }

  onFrame(cnxn: ServerCnxn, frame: Buffer): void {
    try {
      if (cnxn.state === 'new') this.processConnectRequest(cnxn, frame);
      else if (cnxn.state === 'established') this.processPacket(cnxn, frame);
      else if (cnxn.state === 'connecting') {
        // Like ZooKeeper's disableRecv() until the session exists: clients (the Java one) send
        // auth and setWatches right behind the ConnectRequest; they run after the ConnectResponse.
        if (cnxn.deferred.length >= MAX_DEFERRED_FRAMES) {
          this.log.warn({ cnxn: cnxn.id }, 'too many requests before the session was established: closing connection');
          cnxn.close();
        } else {
          cnxn.deferred.push(Buffer.from(frame));
        }
      }
    } catch (e) {
      if (e instanceof DecodeError) {
        this.log.warn({ cnxn: cnxn.id, remote: cnxn.remoteAddress, err: e.message }, 'malformed packet: closing connection');
      } else {
        // A bug, but one client's request must not take the server down: log it loudly.
        this.log.error({ cnxn: cnxn.id, remote: cnxn.remoteAddress, err: e instanceof Error ? e.stack : String(e) }, 'unexpected error processing a packet: closing connection');
      }
      cnxn.close();
    }
  }

  private processConnectRequest(cnxn: ServerCnxn, frame: Buffer): void {
    const r = new Reader(frame);
    const protocolVersion = r.int32();
    const lastZxidSeen = r.int64();
    const timeOut = r.int32();
    const sessionId = r.int64();
    const passwd = readBuffer(r) ?? Buffer.alloc(0);
    const readOnly = r.remaining > 0 ? r.bool() : false;
    void protocolVersion;
    void readOnly;
    if (lastZxidSeen > this.tree.lastProcessedZxid) {
      this.log.info(
        { client: cnxn.remoteAddress, lastZxidSeen: `0x${lastZxidSeen.toString(16)}`, ourZxid: `0x${this.tree.lastProcessedZxid.toString(16)}` },
        'Refusing session request: client has seen a newer zxid than this server; it must try another server',
      );
      cnxn.close();
      return;
    }
    const timeoutMs = Math.min(Math.max(timeOut, this.config.minSessionTimeoutMs), this.config.maxSessionTimeoutMs);
    cnxn.sessionTimeoutMs = timeoutMs;
    const now = this.clock.nowMs();
    if (sessionId === 0n) {
      const id = this.sessions.nextId();
      this.sessions.addSession(id, timeoutMs, now);
      cnxn.sessionId = id;
      cnxn.state = 'connecting';
      this.bySession.set(id, cnxn);
      this.submit({ cnxn, sessionId: id, xid: 0, type: OpCode.createSession, body: { type: OpCode.createSession, timeoutMs }, txn: null, receivedMs: now });
      return;
    }
    const s = this.sessions.sessions.get(sessionId);
    const valid = s !== undefined && !s.closing && sessionPassword(sessionId).equals(passwd);
    if (!valid) {
      this.log.info({ sessionId: `0x${BigInt.asUintN(64, sessionId).toString(16)}` }, 'invalid session on reconnect (expired or bad password)');
      this.sendConnectResponse(cnxn, 0, 0n, Buffer.alloc(16));
      cnxn.close();
      return;
    }
    const previous = this.bySession.get(sessionId);
    if (previous !== undefined && previous !== cnxn) previous.close();
    s.timeoutMs = timeoutMs;
    this.sessions.touch(sessionId, now);
    cnxn.sessionId = sessionId;
    this.bySession.set(sessionId, cnxn);
    cnxn.state = 'established';
    this.sendConnectResponse(cnxn, timeoutMs, sessionId, sessionPassword(sessionId));
  }

  private sendConnectResponse(cnxn: ServerCnxn, timeoutMs: number, sessionId: bigint, passwd: Buffer): void {
    const w = new Writer(64);
    J.encodeConnectResponse(w, { protocolVersion: 0, timeOut: timeoutMs, sessionId, passwd, readOnly: false });
    cnxn.send(Buffer.from(w.finish()));
  }

  private processPacket(cnxn: ServerCnxn, frame: Buffer): void {
    const r = new Reader(frame);
    const h = J.decodeRequestHeader(r);
    const now = this.clock.nowMs();
    if (!this.sessions.touch(cnxn.sessionId, now)) {
      cnxn.send(encodeReply(h.xid, this.tree.lastProcessedZxid, ZkErrorCode.SESSIONEXPIRED, null));
      cnxn.close();
      return;
    }
    if (h.type === OpCode.auth) {
      this.processAuth(cnxn, r);
      return;
    }
    if (h.type === OpCode.sasl) {
      // No SASL server is configured: ZooKeeper then answers OK with an empty token.
      cnxn.send(encodeReply(h.xid, 0n, 0, (w) => J.encodeSetSASLResponse(w, { token: null })));
      return;
    }
    let body: RequestBody | null;
    try {
      // deleteContainer is the container manager's own request; ZooKeeper reads its path from
      // the whole request buffer, so one sent by a client fails path validation (BADARGUMENTS).
      body = h.type === OpCode.deleteContainer ? { type: OpCode.deleteContainer, path: frame.toString('latin1') } : decodeRequestBody(h.type, r);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.log.warn({ cnxn: cnxn.id, type: h.type, err: e.message }, 'failed to decode request: MARSHALLINGERROR');
      if (isWriteOp(h.type)) {
        // As ZooKeeper: a write that cannot be read still takes a zxid, as a logged ErrorTxn.
        const txn = this.prep.prepareFailure({ sessionId: cnxn.sessionId, cxid: h.xid, timeMs: this.clock.nowMs() }, ZkErrorCode.MARSHALLINGERROR);
        this.submit({ cnxn, sessionId: cnxn.sessionId, xid: h.xid, type: h.type, body: { type: OpCode.ping }, txn, receivedMs: now });
      } else {
        cnxn.send(encodeReply(h.xid, this.tree.lastProcessedZxid, ZkErrorCode.MARSHALLINGERROR, null));
      }
      return;
    }
    if (body === null) {
      this.log.warn({ cnxn: cnxn.id, type: h.type }, 'unknown request type: UNIMPLEMENTED, closing connection');
      cnxn.send(encodeReply(h.xid, -1n, ZkErrorCode.UNIMPLEMENTED, null));
      cnxn.close();
      return;
    }
    cnxn.stats.lastCxid = h.xid;
    this.submit({ cnxn, sessionId: cnxn.sessionId, xid: h.xid, type: h.type, body, txn: null, receivedMs: now });
  }

  private processAuth(cnxn: ServerCnxn, r: Reader): void {
    const p = J.decodeAuthPacket(r);
    if (p.scheme !== 'digest' || p.auth === null) {
      this.log.warn({ cnxn: cnxn.id, scheme: p.scheme }, 'auth failed: unsupported scheme');
      cnxn.send(encodeReply(SpecialXid.auth, 0n, ZkErrorCode.AUTHFAILED, null));
      cnxn.close();
      return;
    }
    for (const id of digestAuthIds(p.auth, this.config.superDigest)) {
      if (!cnxn.authInfo.some((a) => a.scheme === id.scheme && a.id === id.id)) cnxn.authInfo.push(id);
    }
    cnxn.send(encodeReply(SpecialXid.auth, 0n, 0, null));
  }

  /** Entry to the pipeline: prep now (in arrival order), persist and apply in the next flush. */
  private submit(req: QueuedRequest): void {
    if (req.txn === null && isWriteOp(req.type)) {
      req.txn = this.prep.prepare({
        sessionId: req.sessionId, cxid: req.xid, type: req.type, body: req.body,
        authInfo: req.cnxn?.authInfo ?? [{ scheme: 'super', id: '' }], timeMs: this.clock.nowMs(),
      });
      if (req.type === OpCode.closeSession) this.sessions.setClosing(req.sessionId);
    }
    this.queue.push(req);
    if (!this.throttled && this.queue.length >= this.config.globalOutstandingLimit) this.setThrottled(true);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** SyncRequestProcessor: one group commit, then the final stage for the group in order. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.splice(0, MAX_BATCH_REQUESTS);
    if (this.queue.length > 0) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    try {
      this.syncProcessor.commit(batch.flatMap((req) => (req.txn === null ? [] : [req.txn])));
    } catch (e) {
      this.log.error({ err: String(e) }, 'Severe unrecoverable error writing the txn log: shutting down');
      this.onFatal(e);
      void this.close();
      return;
    }
    for (const req of batch) {
      try {
        this.finalStage(req);
      } catch (e) {
        // A bug: report it and drop that client rather than the server.
        this.log.error({ type: req.type, err: e instanceof Error ? e.stack : String(e) }, 'unexpected error in the final stage');
        req.cnxn?.close();
      }
    }
    if (this.throttled && this.queue.length < this.config.globalOutstandingLimit / 2) this.setThrottled(false);
    if (this.syncProcessor.snapshotDue()) this.rollAndSnapshot();
  }

  /** globalOutstandingLimit: stop reading from clients while too many requests wait. */
  private setThrottled(on: boolean): void {
    this.throttled = on;
    for (const c of this.cnxns.values()) {
      if (on) c.socket.pause();
      else c.socket.resume();
    }
  }

  private rollAndSnapshot(): void {
    this.syncProcessor.rollForSnapshot();
    const name = writeSnapshot(this.config.dataDir, this.tree.lastProcessedZxid, this.tree, this.sessionTable());
    this.log.info({ snapshot: name }, 'took snapshot and rolled the txn log');
  }

  private sessionTable(): Map<bigint, number> {
    return new Map([...this.sessions.sessions.values()].map((s) => [s.sessionId, s.timeoutMs]));
  }

  private finalStage(req: QueuedRequest): void {
    const cnxn = req.cnxn !== null && !req.cnxn.isClosed() ? req.cnxn : null;
    if (req.type === OpCode.createSession) {
      this.tree.processTxn(req.txn!.hdr, req.txn!.body);
      this.prep.applied(req.txn!.hdr.zxid);
      if (cnxn !== null) {
        cnxn.state = 'established';
        this.sendConnectResponse(cnxn, cnxn.sessionTimeoutMs, req.sessionId, sessionPassword(req.sessionId));
        const deferred = cnxn.deferred.splice(0);
        for (const frame of deferred) if (!cnxn.isClosed()) this.onFrame(cnxn, frame);
      }
      return;
    }
    const reply = finalRequest(
      this.tree,
      { xid: req.xid, type: req.type, body: req.body, sessionId: req.sessionId, watcher: cnxn?.id ?? -1, authInfo: cnxn?.authInfo ?? [], txn: req.txn },
      cnxn?.remoteAddress ?? '',
    );
    if (req.txn !== null) this.prep.applied(req.txn.hdr.zxid);
    this.deliverWatchEvents();
    if (cnxn !== null) {
      this.recordLatency(cnxn, req, reply.zxid);
      cnxn.send(reply.bytes);
    }
    if (req.type === OpCode.closeSession) {
      this.sessions.removeSession(req.sessionId);
      const owner = this.bySession.get(req.sessionId);
      if (owner !== undefined) owner.close();
    }
  }

  private deliverWatchEvents(): void {
    const events = this.tree.events;
    if (events.length === 0) return;
    this.tree.events = [];
    for (const ev of events) {
      const c = this.cnxns.get(ev.watcher);
      if (c === undefined) continue;
      const w = new Writer(64);
      J.encodeReplyHeader(w, { xid: SpecialXid.notification, zxid: -1n, err: 0 });
      J.encodeWatcherEvent(w, { type: ev.type, state: KeeperState.SyncConnected, path: ev.path });
      c.send(Buffer.from(w.finish()));
    }
  }

  private recordLatency(cnxn: ServerCnxn, req: QueuedRequest, zxid: bigint): void {
    const ms = Math.max(0, Math.round(this.clock.nowMs() - req.receivedMs));
    const s = cnxn.stats;
    s.lastLatencyMs = ms;
    s.minLatencyMs = Math.min(s.minLatencyMs, ms);
    s.maxLatencyMs = Math.max(s.maxLatencyMs, ms);
    s.totalLatencyMs += ms;
    s.latencyCount++;
    s.lastZxid = zxid;
    s.lastOp = opName(req.type);
    this.latency.min = Math.min(this.latency.min, ms);
    this.latency.max = Math.max(this.latency.max, ms);
    this.latency.total += ms;
    this.latency.count++;
  }

  private expireSessions(): void {
    const now = this.clock.nowMs();
    // Connections that never finish the handshake (zookeeper.nio.sessionlessCnxnTimeout).
    for (const c of this.cnxns.values()) {
      if (c.state === 'new' && now - c.stats.established > this.config.sessionlessCnxnTimeoutMs) {
        this.log.info({ cnxn: c.id, remote: c.remoteAddress }, 'closing a connection that sent no ConnectRequest');
        c.close();
      }
    }
    for (const id of this.sessions.expire(now)) {
      this.log.info({ sessionId: `0x${BigInt.asUintN(64, id).toString(16)}` }, 'Expiring session');
      this.submit({ cnxn: null, sessionId: id, xid: 0, type: OpCode.closeSession, body: { type: OpCode.closeSession }, txn: null, receivedMs: this.clock.nowMs() });
    }
  }

  checkContainers(): void {
    const limit = Math.max(1, Math.floor(this.config.containerMaxPerMinute * (this.config.containerCheckIntervalMs / 60000)));
    for (const path of containerCandidates(this.tree, this.clock.nowMs(), limit)) {
      this.submit({ cnxn: null, sessionId: 0n, xid: 0, type: OpCode.deleteContainer, body: { type: OpCode.deleteContainer, path }, txn: null, receivedMs: this.clock.nowMs() });
    }
  }

  // ---- status (four-letter words, metrics)

  /** Open client connections, the one asking a four-letter word included (as ZooKeeper counts them). */
  connections(): ServerCnxn[] {
    return [...this.cnxns.values()].filter((c) => !c.isClosed());
  }

  sessionOfWatcher(watcher: number): bigint {
    return this.cnxns.get(watcher)?.sessionId ?? 0n;
  }

  serverStats(): ServerStats {
    const l = this.latency;
    return {
      packetsReceived: this.packets.received, packetsSent: this.packets.sent,
      minLatencyMs: l.count === 0 ? 0 : l.min, maxLatencyMs: l.max, avgLatencyMs: l.count === 0 ? 0 : l.total / l.count,
      outstanding: this.queue.length, uptimeMs: Math.round(this.clock.monotonicMs() - this.startedMs),
    };
  }

  resetStats(): void {
    this.latency = { min: Number.MAX_SAFE_INTEGER, max: 0, total: 0, count: 0 };
    for (const c of this.cnxns.values()) c.stats = emptyStats(this.clock.nowMs());
  }

  dirSizes(): { dataDirBytes: number; dataLogDirBytes: number } {
    const size = (dir: string): number => {
      try {
        return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
      } catch {
        return 0;
      }
    };
    return { dataDirBytes: size(versionDir(this.config.dataDir)), dataLogDirBytes: size(versionDir(this.config.dataLogDir)) };
  }

  /** Stops listening, closes connections (sessions stay, as on a ZooKeeper restart). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    if (this.queue.length > 0 && this.syncProcessor !== undefined) this.flush();
    for (const c of [...this.cnxns.values()]) {
      c.socket.destroy();
      this.onClose(c);
    }
    this.syncProcessor?.close();
    const srv = this.server;
    this.server = null;
    if (srv !== null) await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

function opName(type: number): string {
  const names: Record<number, string> = {
    [OpCode.create]: 'CREA', [OpCode.create2]: 'CREA', [OpCode.createContainer]: 'CREA', [OpCode.createTTL]: 'CREA',
    [OpCode.delete]: 'DELE', [OpCode.setData]: 'SETD', [OpCode.getData]: 'GETD', [OpCode.exists]: 'EXIS',
    [OpCode.getChildren]: 'GETC', [OpCode.getChildren2]: 'GETC', [OpCode.ping]: 'PING', [OpCode.multi]: 'MULT',
    [OpCode.setACL]: 'SETA', [OpCode.getACL]: 'GETA', [OpCode.sync]: 'SYNC', [OpCode.closeSession]: 'CLOS',
  };
  return names[type] ?? 'NA';
}
