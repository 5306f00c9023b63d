/**
 * ClientCnxn (ZooKeeper's name for it): the socket shell around the pure parts (connect string, frame decoder,
 * pending requests, watch registry). It owns one session and, at any time, at most one TCP
 * connection to one server of the list, with the semantics of ZooKeeper's Java ClientCnxn:
 *
 * - handshake: ConnectRequest (protocolVersion 0, lastZxidSeen, timeout, sessionId, passwd,
 *   readOnly) framed without a request header; the ConnectResponse's timeout is the negotiated
 *   one, a timeout <= 0 means the session expired;
 * - after each (re)connect, auth packets (xid -4) and watches (SetWatches / SetWatches2, xid -8,
 *   with the last zxid seen) go out before any queued request;
 * - pings (xid -2) every third of the negotiated timeout; nothing heard for two thirds of it
 *   means the connection is lost;
 * - connection loss fails the requests in flight with CONNECTIONLOSS and reconnects to the next
 *   server with the same session id and password; requests made while disconnected wait;
 * - replies and watch events are handled in wire order: a reply resolves its promise, and
 *   watchers run in queued microtasks, so they run after the continuations of replies that
 *   arrived before them.
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { Reader, Writer } from '../../util/bytes.js';
import {
  DEFAULT_JUTE_MAX_BUFFER_BYTES,
  KeeperError,
  OpCode,
  ZkErrorCode,
  decodeConnectResponse,
  decodeReplyHeader,
  decodeWatcherEvent,
  encodeAuthPacket,
  encodeConnectRequest,
  encodeRequestHeader,
  encodeSetWatches,
  encodeSetWatches2,
} from '../../jute/index.js';
import { parseConnectString, prependChroot, stripChroot, validatePath, type ServerAddress } from './connect-string.js';
import { FrameDecoder, frame } from './frame-decoder.js';
import { PendingRequests, Xid } from './pending-requests.js';
import {
  WatchRegistry,
  type EventTypeName,
  type KeeperStateName,
  type WatchedEvent,
  type Watcher,
  type WatchKind,
} from './watch-registry.js';
import { eventTypeName, keeperStateName } from './names.js';

export interface ZooKeeperClientOptions {
  /** Requested session timeout; the server clamps it to [2, 20] x tickTime. Default 30 s. */
  sessionTimeoutMs?: number;
  /** Per-attempt TCP connect + handshake timeout. Default sessionTimeoutMs / number of servers. */
  connectTimeoutMs?: number;
  /** jute.maxbuffer: the largest data a reply may carry. Default 0xfffff, as ZooKeeper. */
  maxBufferBytes?: number;
  /** Resume an existing session (ZooKeeper's constructor with sessionId and sessionPasswd). */
  sessionId?: bigint;
  sessionPassword?: Buffer;
  /** Accept a read-only server (ZooKeeper's canBeReadOnly). */
  readOnly?: boolean;
  /** Try servers in the given order instead of shuffling them (tests). */
  shuffleServers?: boolean;
  /** Requests that may wait (for a connection, or for room in flight) at most. Default 100 000. */
  maxQueuedRequests?: number;
  /** Requests sent and not yet answered at most; more wait in the queue. Default 10 000. */
  maxInFlightRequests?: number;
}

export type SessionState = 'Connecting' | 'SyncConnected' | 'Disconnected' | 'Expired' | 'AuthFailed' | 'Closed';

/** How a request registers a watch once its reply arrives. */
export interface WatchRegistration {
  kind: WatchKind;
  path: string;
  watcher: Watcher;
}

/** One request: opcode, body encoder, reply decoder (called only for err 0). */
export interface RequestSpec<T> {
  opCode: number;
  /** Client (un-chrooted) path, used in errors; '' for none. */
  path: string;
  encode(w: Writer, toServerPath: (p: string) => string): void;
  /** Reads the reply body; `err` is the reply header's code (non-zero only with decodeOnError). */
  decode(r: Reader, toClientPath: (p: string) => string, err: number): T;
  watch?: WatchRegistration;
  /** Error codes that still register the watch (exists + NONODE registers an exist watch). */
  watchOnError?: number[];
  /** A failed reply may still carry a body to decode (a failed multi carries its results). */
  decodeOnError?: boolean;
  /** Error codes that resolve with null instead of rejecting (exists: NONODE). */
  nullOnError?: number[];
  /**
   * Argument checks, run inside the promise so a bad argument rejects it. (The API methods are
   * not `async`: their promise is the one a reply resolves, so continuations attached to it run
   * before watchers of events that arrived after that reply — wire order.)
   */
  check?: () => void;
}

interface AuthEntry {
  scheme: string;
  auth: Buffer;
  waiter?: { resolve(): void; reject(err: Error): void };
}

interface InFlight {
  spec: RequestSpec<unknown>;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Queued extends InFlight {
  bytes?: Buffer;
}

const PROTOCOL_VERSION = 0;
/** ClientCnxn.SET_WATCHES_MAX_LENGTH: setWatches are split into packets of at most this many path bytes. */
const SET_WATCHES_MAX_BYTES = 128 * 1024;
/** Room for the reply header, stat and record lengths on top of jute.maxbuffer. */
const REPLY_OVERHEAD_BYTES = 64 * 1024;

export class ClientCnxn extends EventEmitter {
  readonly servers: ServerAddress[];
  readonly chroot: string;
  private readonly requestedTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxBufferBytes: number;
  private readonly readOnly: boolean;
  private readonly maxQueuedRequests: number;
  private readonly maxInFlightRequests: number;

  private stateValue: SessionState = 'Connecting';
  private started = false;
  private serverIndex = -1;
  private socket: Socket | null = null;
  private handshakeDone = false;
  private decoder: FrameDecoder | null = null;
  private pending = new PendingRequests<InFlight>();
  /** Requests not sent yet, oldest first from `queuedHead`. */
  private queued: Queued[] = [];
  private queuedHead = 0;
  /** Every addAuth of this session, re-sent on each connection; `waiter` until its first answer. */
  private readonly authInfo: AuthEntry[] = [];
  /** Auth packets sent on the current connection, oldest first: their answers (xid -4) come in this order. */
  private authSent: AuthEntry[] = [];
  private readonly watches = new WatchRegistry();
  private timers: NodeJS.Timeout[] = [];
  private reconnectTimer: NodeJS.Timeout | null = null;
  private lastSendMs = 0;
  private lastRecvMs = 0;
  private attemptsSinceConnected = 0;
  private firstConnect: { resolve(): void; reject(err: Error): void } | null = null;
  private closing: Promise<void> | null = null;

  /** The session, once established (0n before). */
  sessionId = 0n;
  sessionPassword: Buffer = Buffer.alloc(16);
  negotiatedTimeoutMs = 0;
  /** The highest zxid seen in a reply: sent on reconnect so a server never serves an older view. */
  lastZxidSeen = 0n;
  /** The server this client is connected to (or last tried). */
  currentServer: ServerAddress | null = null;

  constructor(connectString: string, options: ZooKeeperClientOptions = {}) {
    super();
    const parsed = parseConnectString(connectString);
    this.servers = options.shuffleServers === false ? parsed.servers : shuffle(parsed.servers);
    this.chroot = parsed.chroot;
    this.requestedTimeoutMs = options.sessionTimeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? Math.max(1000, Math.floor(this.requestedTimeoutMs / this.servers.length));
    this.maxBufferBytes = options.maxBufferBytes ?? DEFAULT_JUTE_MAX_BUFFER_BYTES;
    this.readOnly = options.readOnly ?? false;
    this.maxQueuedRequests = options.maxQueuedRequests ?? 100_000;
    this.maxInFlightRequests = options.maxInFlightRequests ?? 10_000;
    if (options.sessionId !== undefined) {
      this.sessionId = options.sessionId;
      this.sessionPassword = options.sessionPassword ?? Buffer.alloc(16);
    }
  }

  get state(): SessionState {
    return this.stateValue;
  }

  /** Starts connecting; resolves once the session is SyncConnected, rejects if it expires or closes first. */
  connect(): Promise<void> {
    if (this.stateValue === 'SyncConnected') return Promise.resolve();
    if (this.isFinished()) return Promise.reject(this.finishedError(''));
    const p = new Promise<void>((resolve, reject) => {
      const prev = this.firstConnect;
      this.firstConnect = {
        resolve: () => {
          prev?.resolve();
          resolve();
        },
        reject: (err) => {
          prev?.reject(err);
          reject(err);
        },
      };
    });
    if (!this.started) {
      this.started = true;
      this.openNext();
    }
    return p;
  }

  /** Sends a request (queued until connected); the promise settles with its reply. */
  request<T>(spec: RequestSpec<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Queued = { spec: spec as RequestSpec<unknown>, resolve: resolve as (v: unknown) => void, reject };
      spec.check?.();
      if (this.isFinished()) {
        reject(this.finishedError(spec.path));
        return;
      }
      if (!this.started) {
        this.started = true;
        this.openNext();
      }
      if (this.stateValue === 'SyncConnected' && this.queuedCount() === 0 && this.pending.size < this.maxInFlightRequests) {
        this.send(entry);
        return;
      }
      if (this.queuedCount() >= this.maxQueuedRequests) {
        reject(new KeeperError(ZkErrorCode.CONNECTIONLOSS, spec.path));
        return;
      }
      this.queued.push(entry);
    });
  }

  /** Adds authentication for this session (and every reconnect); rejects with AUTHFAILED if the server refuses. */
  addAuth(scheme: string, auth: Buffer | string): Promise<void> {
    const authBytes = typeof auth === 'string' ? Buffer.from(auth, 'utf8') : auth;
    if (this.isFinished()) return Promise.reject(this.finishedError(''));
    return new Promise<void>((resolve, reject) => {
      const entry: AuthEntry = { scheme, auth: authBytes, waiter: { resolve, reject } };
      this.authInfo.push(entry);
      if (this.stateValue === 'SyncConnected') this.sendAuth(entry);
    });
  }

  /** Closes the session (closeSession) and the connection; watchers see state Closed. */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    this.closing = (async () => {
      if (this.stateValue === 'SyncConnected') {
        const closeReq = this.request({ opCode: OpCode.closeSession, path: '', encode: () => {}, decode: () => undefined });
        const timeout = new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(1000, this.negotiatedTimeoutMs / 3));
          t.unref();
        });
        await Promise.race([closeReq.catch(() => undefined), timeout]);
      }
      this.finish('Closed', ZkErrorCode.CONNECTIONLOSS);
    })();
    return this.closing;
  }

  /** The watch registry's bookkeeping for removeWatches: the client-side part of the request. */
  get watchRegistry(): WatchRegistry {
    return this.watches;
  }

  toServerPath = (clientPath: string): string => prependChroot(this.chroot, clientPath);
  toClientPath = (serverPath: string): string => stripChroot(this.chroot, serverPath);

  /** Validates a client path (ZooKeeper's PathUtils), throwing KeeperError BADARGUMENTS. */
  checkPath(path: string, sequential = false): void {
    try {
      validatePath(path, sequential);
    } catch (err) {
      throw new KeeperError(ZkErrorCode.BADARGUMENTS, path, { cause: err, detail: (err as Error).message });
    }
  }

  // ---------------------------------------------------------------- connection life cycle

  private openNext(): void {
    if (this.isFinished()) return;
    this.serverIndex = (this.serverIndex + 1) % this.servers.length;
    const server = this.servers[this.serverIndex]!;
    this.currentServer = server;
    this.attemptsSinceConnected++;
    this.handshakeDone = false;
    this.decoder = new FrameDecoder(this.maxBufferBytes + REPLY_OVERHEAD_BYTES);
    const socket = netConnect({ host: server.host, port: server.port });
    socket.setNoDelay(true);
    this.socket = socket;
    const connectTimer = setTimeout(() => this.dropConnection(socket, 'connect timeout'), this.connectTimeoutMs);
    this.timers.push(connectTimer);
    socket.on('connect', () => {
      this.lastRecvMs = Date.now();
      this.writeFrame(this.connectRequest());
    });
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', () => {
      /* 'close' follows and handles it */
    });
    socket.on('close', () => this.onSocketClosed(socket));
  }

  private connectRequest(): Buffer {
    const w = new Writer(64);
    encodeConnectRequest(w, {
      protocolVersion: PROTOCOL_VERSION,
      lastZxidSeen: this.lastZxidSeen,
      timeOut: this.requestedTimeoutMs,
      sessionId: this.sessionId,
      passwd: this.sessionPassword,
      readOnly: this.readOnly,
    });
    return Buffer.from(w.finish());
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.lastRecvMs = Date.now();
    let frames: Buffer[];
    try {
      frames = this.decoder!.push(chunk);
    } catch (err) {
      this.dropConnection(socket, `bad frame: ${(err as Error).message}`);
      return;
    }
    for (const f of frames) {
      if (socket !== this.socket) return;
      try {
        if (!this.handshakeDone) this.onConnectResponse(f);
        else this.onReply(f);
      } catch (err) {
        this.dropConnection(socket, `bad reply: ${(err as Error).message}`);
        return;
      }
    }
  }

  private onConnectResponse(f: Buffer): void {
    let resp;
    try {
      resp = decodeConnectResponse(new Reader(f));
    } catch (err) {
      // Servers before 3.4 end the response before the readOnly flag (ClientCnxnSocket reads it optionally).
      if (f.length === 0) throw err;
      resp = decodeConnectResponse(new Reader(Buffer.concat([f, Buffer.from([0])])));
    }
    this.clearTimers();
    if (resp.timeOut <= 0) {
      // The server no longer knows this session.
      this.finish('Expired', ZkErrorCode.SESSIONEXPIRED);
      return;
    }
    this.handshakeDone = true;
    this.sessionId = resp.sessionId;
    this.sessionPassword = Buffer.from(resp.passwd ?? Buffer.alloc(16));
    this.negotiatedTimeoutMs = resp.timeOut;
    this.attemptsSinceConnected = 0;
    this.stateValue = 'SyncConnected';
    this.primeConnection();
    this.startTimers();
    this.emitState('SyncConnected');
    const first = this.firstConnect;
    this.firstConnect = null;
    first?.resolve();
  }

  /** Auth and watches first, then whatever waited for the connection (ClientCnxn.primeConnection). */
  private primeConnection(): void {
    for (const a of this.authInfo) this.sendAuth(a);
    for (const packet of this.setWatchesPackets()) this.writeFrame(packet);
    this.sendQueued();
  }

  private queuedCount(): number {
    return this.queued.length - this.queuedHead;
  }

  /** Sends waiting requests, oldest first, while connected and there is room in flight. */
  private sendQueued(): void {
    while (this.stateValue === 'SyncConnected' && this.queuedHead < this.queued.length && this.pending.size < this.maxInFlightRequests) {
      const q = this.queued[this.queuedHead]!;
      this.queued[this.queuedHead] = undefined as unknown as Queued;
      this.queuedHead++;
      this.send(q);
    }
    if (this.queuedHead === this.queued.length) {
      this.queued = [];
      this.queuedHead = 0;
    } else if (this.queuedHead > 1024 && this.queuedHead * 2 > this.queued.length) {
      this.queued = this.queued.slice(this.queuedHead);
      this.queuedHead = 0;
    }
  }

  private sendAuth(entry: AuthEntry): void {
    this.authSent.push(entry);
    this.writeFrame(this.authPacket(entry.scheme, entry.auth));
  }

  private authPacket(scheme: string, auth: Buffer): Buffer {
    const w = new Writer(64);
    encodeRequestHeader(w, { xid: Xid.auth, type: OpCode.auth });
    encodeAuthPacket(w, { type: 0, scheme, auth });
    return Buffer.from(w.finish());
  }

  private setWatchesPackets(): Buffer[] {
    const set = this.watches.watchSet();
    const persistent = set.persistentWatches.length + set.persistentRecursiveWatches.length > 0;
    const lists: Array<keyof typeof set> = ['dataWatches', 'existWatches', 'childWatches', 'persistentWatches', 'persistentRecursiveWatches'];
    const packets: Buffer[] = [];
    const batch = emptyWatchSet();
    let bytes = 0;
    let count = 0;
    const flush = (): void => {
      if (count === 0) return;
      const w = new Writer(bytes + 64);
      const toServer = (ps: string[]): string[] => ps.map(this.toServerPath);
      const record = {
        relativeZxid: this.lastZxidSeen,
        dataWatches: toServer(batch.dataWatches),
        existWatches: toServer(batch.existWatches),
        childWatches: toServer(batch.childWatches),
      };
      if (persistent) {
        encodeRequestHeader(w, { xid: Xid.setWatches, type: OpCode.setWatches2 });
        encodeSetWatches2(w, {
          ...record,
          persistentWatches: toServer(batch.persistentWatches),
          persistentRecursiveWatches: toServer(batch.persistentRecursiveWatches),
        });
      } else {
        encodeRequestHeader(w, { xid: Xid.setWatches, type: OpCode.setWatches });
        encodeSetWatches(w, record);
      }
      packets.push(Buffer.from(w.finish()));
      for (const l of lists) batch[l] = [];
      bytes = 0;
      count = 0;
    };
    for (const l of lists) {
      for (const p of set[l]) {
        if (bytes + p.length + 4 > SET_WATCHES_MAX_BYTES) flush();
        batch[l].push(p);
        bytes += p.length + 4;
        count++;
      }
    }
    flush();
    return packets;
  }

  private startTimers(): void {
    const timeoutMs = this.negotiatedTimeoutMs;
    const readTimeoutMs = Math.floor((timeoutMs * 2) / 3);
    const pingEveryMs = Math.max(1, Math.floor(timeoutMs / 3));
    const socket = this.socket!;
    const tick = setInterval(() => {
      const now = Date.now();
      if (now - this.lastRecvMs > readTimeoutMs) {
        this.dropConnection(socket, `no reply for ${now - this.lastRecvMs} ms`);
        return;
      }
      if (now - this.lastSendMs >= pingEveryMs) this.sendPing();
    }, Math.max(10, Math.min(pingEveryMs, 1000) / 2));
    this.timers.push(tick);
  }

  private sendPing(): void {
    const w = new Writer(8);
    encodeRequestHeader(w, { xid: Xid.ping, type: OpCode.ping });
    this.writeFrame(Buffer.from(w.finish()));
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  private dropConnection(socket: Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.emit('connectionLost', reason);
    socket.destroy();
  }

  private onSocketClosed(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.clearTimers();
    const wasConnected = this.stateValue === 'SyncConnected';
    this.failInFlight(ZkErrorCode.CONNECTIONLOSS);
    if (this.isFinished()) return;
    if (wasConnected) {
      this.stateValue = 'Disconnected';
      this.emitState('Disconnected');
    }
    // Next server at once; after a full round of failures, back off up to a second (as ClientCnxn).
    const delayMs = this.attemptsSinceConnected > 0 && this.attemptsSinceConnected % this.servers.length === 0 ? 200 + Math.floor(Math.random() * 800) : 0;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.openNext();
    }, delayMs);
  }

  private failInFlight(code: number): void {
    for (const p of this.pending.drain()) p.value.reject(new KeeperError(code, p.path));
    // An auth not yet answered keeps its waiter: it is re-sent on the next connection and its
    // promise settles with that answer, unless the session is finished.
    this.authSent = [];
    if (this.isFinished()) {
      for (const a of this.authInfo) {
        a.waiter?.reject(new KeeperError(code, ''));
        a.waiter = undefined;
      }
    }
  }

  /** Terminal states: Expired, Closed, AuthFailed. */
  private finish(state: 'Expired' | 'Closed' | 'AuthFailed', code: number): void {
    if (this.isFinished()) return;
    this.stateValue = state;
    this.clearTimers();
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    this.failInFlight(code);
    const queued = this.queued.slice(this.queuedHead);
    this.queued = [];
    this.queuedHead = 0;
    for (const q of queued) q.reject(new KeeperError(code, q.spec.path));
    this.emitState(state, this.watches.clearAll());
    const first = this.firstConnect;
    this.firstConnect = null;
    first?.reject(new KeeperError(code, ''));
  }

  private isFinished(): boolean {
    return this.stateValue === 'Expired' || this.stateValue === 'Closed' || this.stateValue === 'AuthFailed';
  }

  private finishedError(path: string): KeeperError {
    const code =
      this.stateValue === 'Expired' ? ZkErrorCode.SESSIONEXPIRED : this.stateValue === 'AuthFailed' ? ZkErrorCode.AUTHFAILED : ZkErrorCode.CONNECTIONLOSS;
    return new KeeperError(code, path);
  }

  // ---------------------------------------------------------------- requests and replies

  private send(entry: Queued): void {
    const { spec } = entry;
    const xid = this.pending.allocateXid();
    const w = new Writer(128);
    encodeRequestHeader(w, { xid, type: spec.opCode });
    try {
      spec.encode(w, this.toServerPath);
    } catch (err) {
      entry.reject(err as Error);
      return;
    }
    const body = w.finish();
    if (body.length > this.maxBufferBytes) {
      entry.reject(new KeeperError(ZkErrorCode.MARSHALLINGERROR, spec.path));
      return;
    }
    this.pending.push({ xid, opCode: spec.opCode, path: spec.path, value: entry });
    this.writeFrame(body);
  }

  private writeFrame(body: Buffer): void {
    const socket = this.socket;
    if (socket === null) return;
    this.lastSendMs = Date.now();
    socket.write(frame(body));
  }

  private onReply(f: Buffer): void {
    const r = new Reader(f);
    const header = decodeReplyHeader(r);
    if (header.xid === Xid.notification) return this.onNotification(r);
    if (header.xid === Xid.ping) return;
    if (header.xid === Xid.auth) return this.onAuthReply(header.err);
    if (header.xid === Xid.setWatches) return;
    if (header.zxid > 0n) this.lastZxidSeen = header.zxid;
    const done = this.pending.complete(header.xid);
    if (this.queuedHead < this.queued.length) queueMicrotask(() => this.sendQueued());
    const { spec, resolve, reject } = done.value;
    const err = header.err;
    if (spec.watch !== undefined && (err === 0 || (spec.watchOnError ?? []).includes(err))) {
      const kind = err === 0 ? spec.watch.kind : 'exist';
      this.watches.add(kind, spec.watch.path, spec.watch.watcher);
    }
    if (err !== 0 && (spec.nullOnError ?? []).includes(err)) {
      resolve(null);
      return;
    }
    if (err !== 0 && (spec.decodeOnError !== true || r.remaining === 0)) {
      reject(new KeeperError(err, spec.path));
      return;
    }
    let value: unknown;
    try {
      value = spec.decode(r, this.toClientPath, err);
    } catch (e) {
      // The reply parsed up to here; the request fails but the stream stays in step.
      reject(e as Error);
      return;
    }
    if (value instanceof Error) reject(value);
    else resolve(value);
  }

  private onAuthReply(err: number): void {
    const entry = this.authSent.shift();
    const waiter = entry?.waiter;
    if (entry !== undefined) entry.waiter = undefined;
    if (err === 0) {
      waiter?.resolve();
      return;
    }
    waiter?.reject(new KeeperError(err, ''));
    if (err === ZkErrorCode.AUTHFAILED) this.finish('AuthFailed', ZkErrorCode.AUTHFAILED);
  }

  private onNotification(r: Reader): void {
    const ev = decodeWatcherEvent(r);
    const event: WatchedEvent = {
      type: eventTypeName(ev.type),
      state: keeperStateName(ev.state),
      path: ev.path === '' ? null : this.toClientPath(ev.path),
    };
    for (const w of this.watches.materialize(event)) this.deliver(w, event);
  }

  /** Runs a watcher after the continuations already queued (wire order); a throwing watcher is reported, not fatal. */
  private deliver(watcher: Watcher, event: WatchedEvent): void {
    queueMicrotask(() => {
      try {
        watcher(event);
      } catch (err) {
        this.emit('watcherError', err, event);
      }
    });
  }

  /** The default watcher: state changes and `watch: true` registrations arrive as 'event'. */
  readonly defaultWatcher: Watcher = (event: WatchedEvent) => {
    this.emit('event', event);
  };

  /**
   * A state change goes to the default watcher and, as in ZKWatchManager.materialize, to every
   * registered watcher once (`watchers`: those just cleared on Expired / Closed; otherwise all).
   */
  private emitState(state: KeeperStateName & SessionState, watchers: Watcher[] = this.watches.all()): void {
    queueMicrotask(() => this.emit('state', state));
    const targets = new Set<Watcher>([this.defaultWatcher, ...watchers]);
    for (const w of targets) this.deliver(w, { type: 'None', state, path: null });
  }

  /** Fires watchers removed locally (removeWatches) with their *WatchRemoved event. */
  notifyRemoved(path: string, removed: Array<{ watcher: Watcher; type: EventTypeName }>): void {
    for (const { watcher, type } of removed) this.deliver(watcher, { type, state: 'SyncConnected', path });
  }
}

function emptyWatchSet(): {
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
} {
  return { dataWatches: [], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] };
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
