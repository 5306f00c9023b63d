/**
 * Four-letter words (FourLetterCommands / the *Command classes), in ZooKeeper 3.8's text
 * formats. Only words in `4lw.commands.whitelist` run (default: srvr); any other known word
 * gets "<cmd> is not executed because it is not in the whitelist.".
 */
import { hostname, userInfo } from 'node:os';
import { ALL_FOUR_LETTER_WORDS } from '../config.js';
import type { ZooKeeperServer } from './zookeeper-server.js';
import type { ServerCnxn } from './server-cnxn.js';

export const ZK_VERSION_STRING = '3.8.0-gregor, built on 2026-11-22 00:00 UTC';

export function isFourLetterWord(word: string): boolean {
  return (ALL_FOUR_LETTER_WORDS as readonly string[]).includes(word);
}

const hex = (v: bigint): string => `0x${BigInt.asUintN(64, v).toString(16)}`;

function cnxnLine(c: ServerCnxn, full: boolean): string {
  const s = c.stats;
  // A connection still in its first packet (this four-letter word's own) shows as ZooKeeper
  // shows it: interest ops 0, one packet received.
  const fresh = c.state === 'new';
  let line = ` /${c.remoteAddress}:${c.remotePort}[${fresh ? 0 : 1}](queued=0,recved=${fresh ? 1 : s.packetsReceived},sent=${s.packetsSent}`;
  if (full && c.sessionId !== 0n) {
    const avg = s.latencyCount === 0 ? 0 : Math.round(s.totalLatencyMs / s.latencyCount);
    const min = s.latencyCount === 0 ? 0 : s.minLatencyMs;
    line +=
      `,sid=${hex(c.sessionId)},lop=${s.lastOp},est=${s.established},to=${c.sessionTimeoutMs}` +
      `,lcxid=${hex(BigInt(s.lastCxid))},lzxid=${hex(s.lastZxid)},lresp=${s.established},llat=${s.lastLatencyMs}` +
      `,minlat=${min},avglat=${avg},maxlat=${s.maxLatencyMs}`;
  }
  return `${line})\n`;
}

function serverSummary(zk: ZooKeeperServer): string {
  const st = zk.serverStats();
  return (
    `Latency min/avg/max: ${st.minLatencyMs}/${st.avgLatencyMs.toFixed(4)}/${st.maxLatencyMs}\n` +
    `Received: ${st.packetsReceived}\nSent: ${st.packetsSent}\nConnections: ${zk.connections().length}\n` +
    `Outstanding: ${st.outstanding}\nZxid: ${hex(zk.tree.lastProcessedZxid)}\nMode: standalone\nNode count: ${zk.tree.nodeCount}\n`
  );
}

export function runFourLetterWord(zk: ZooKeeperServer, word: string): string {
  if (!zk.config.fourLetterWordWhitelist.has(word)) return `${word} is not executed because it is not in the whitelist.\n`;
  const tree = zk.tree;
  switch (word) {
    case 'ruok':
      return 'imok';
    case 'isro':
      return 'rw';
    case 'srvr':
      return `Zookeeper version: ${ZK_VERSION_STRING}\n${serverSummary(zk)}`;
    case 'stat':
      return `Zookeeper version: ${ZK_VERSION_STRING}\nClients:\n${zk.connections().map((c) => cnxnLine(c, false)).join('')}\n${serverSummary(zk)}`;
    case 'cons':
      return `${zk.connections().map((c) => cnxnLine(c, true)).join('')}\n`;
    case 'crst':
      zk.resetStats();
      return 'Connection stats reset.\n';
    case 'mntr': {
      const st = zk.serverStats();
      const rows: Array<[string, string | number]> = [
        ['zk_version', ZK_VERSION_STRING],
        ['zk_server_state', 'standalone'],
        ['zk_avg_latency', st.avgLatencyMs.toFixed(4)],
        ['zk_max_latency', st.maxLatencyMs],
        ['zk_min_latency', st.minLatencyMs],
        ['zk_packets_received', st.packetsReceived],
        ['zk_packets_sent', st.packetsSent],
        ['zk_num_alive_connections', zk.connections().length],
        ['zk_outstanding_requests', st.outstanding],
        ['zk_znode_count', tree.nodeCount],
        ['zk_watch_count', tree.dataWatches.watchCount + tree.childWatches.watchCount],
        ['zk_ephemerals_count', tree.ephemeralCount],
        ['zk_approximate_data_size', tree.approximateDataSize()],
        ['zk_open_file_descriptor_count', 0],
        ['zk_max_file_descriptor_count', 0],
        ['zk_global_sessions', zk.sessions.sessions.size],
        ['zk_local_sessions', 0],
        ['zk_uptime', st.uptimeMs],
        ['zk_last_proposal_size', -1],
        ['zk_max_proposal_size', -1],
        ['zk_min_proposal_size', -1],
      ];
      return rows.map(([k, v]) => `${k}\t${v}\n`).join('');
    }
    case 'conf': {
      const c = zk.config;
      return (
        `clientPort=${zk.port}\nsecureClientPort=-1\ndataDir=${c.dataDir}/version-2\ndataDirSize=${zk.dirSizes().dataDirBytes}\n` +
        `dataLogDir=${c.dataLogDir}/version-2\ndataLogSize=${zk.dirSizes().dataLogDirBytes}\ntickTime=${c.tickTimeMs}\n` +
        `maxClientCnxns=${c.maxClientCnxns}\nminSessionTimeout=${c.minSessionTimeoutMs}\nmaxSessionTimeout=${c.maxSessionTimeoutMs}\n` +
        `clientPortListenBacklog=-1\nserverId=0\n`
      );
    }
    case 'dirs': {
      const d = zk.dirSizes();
      return `datadir_size: ${d.dataDirBytes}\nlogdir_size: ${d.dataLogDirBytes}\n`;
    }
    case 'envi':
      return (
        `Environment:\nzookeeper.version=${ZK_VERSION_STRING}\nhost.name=${hostname()}\njava.version=node-${process.versions.node}\n` +
        `java.vendor=Node.js\njava.home=${process.execPath}\njava.class.path=\njava.library.path=\njava.io.tmpdir=${process.env.TMPDIR ?? '/tmp'}\n` +
        `java.compiler=<NA>\nos.name=${process.platform}\nos.arch=${process.arch}\nos.version=\nuser.name=${userInfo().username}\n` +
        `user.home=${userInfo().homedir}\nuser.dir=${process.cwd()}\nos.memory.free=${Math.round(process.memoryUsage().heapUsed / 1048576)}MB\n` +
        `os.memory.max=${Math.round(process.memoryUsage().heapTotal / 1048576)}MB\nos.memory.total=${Math.round(process.memoryUsage().rss / 1048576)}MB\n`
      );
    // wchs, wchc and wchp report the data watches only (exists/getData and persistent ones), as
    // ZooKeeper 3.8's DataTree dumps only its dataWatches for them; child watches are not listed.
    case 'wchs': {
      const byConn = new Map<number, number>();
      const paths = new Set<string>();
      let total = 0;
      {
        const wm = tree.dataWatches;
        for (const [p, ws] of wm.byPath()) {
          paths.add(p);
          total += ws.length;
          for (const w of ws) byConn.set(w, (byConn.get(w) ?? 0) + 1);
        }
      }
      return `${byConn.size} connections watching ${paths.size} paths\nTotal watches:${total}\n`;
    }
    case 'wchc': {
      const bySession = new Map<string, Set<string>>();
      {
        const wm = tree.dataWatches;
        for (const [w, ps] of wm.byWatcherId()) {
          const key = hex(zk.sessionOfWatcher(w));
          const set = bySession.get(key) ?? new Set<string>();
          for (const p of ps) set.add(p);
          bySession.set(key, set);
        }
      }
      return [...bySession].map(([s, ps]) => `${s}\n${[...ps].map((p) => `\t${p}\n`).join('')}`).join('') + '\n';
    }
    case 'wchp': {
      const byPath = new Map<string, Set<string>>();
      {
        const wm = tree.dataWatches;
        for (const [p, ws] of wm.byPath()) {
          const set = byPath.get(p) ?? new Set<string>();
          for (const w of ws) set.add(hex(zk.sessionOfWatcher(w)));
          byPath.set(p, set);
        }
      }
      return [...byPath].map(([p, ss]) => `${p}\n${[...ss].map((s) => `\t${s}\n`).join('')}`).join('') + '\n';
    }
    case 'dump': {
      const sessions = [...zk.sessions.sessions.values()];
      const byExpiry = new Map<number, bigint[]>();
      for (const s of sessions) byExpiry.set(s.expireAtMs, [...(byExpiry.get(s.expireAtMs) ?? []), s.sessionId]);
      let out = `SessionTracker dump:\nSession Sets (${byExpiry.size})/(${sessions.length}):\n`;
      for (const [at, ids] of [...byExpiry].sort((a, b) => a[0] - b[0])) {
        out += `${ids.length} expire at ${new Date(at).toUTCString()}:\n${ids.map((id) => `\t${hex(id)}\n`).join('')}`;
      }
      out += `ephemeral nodes dump:\nSessions with Ephemerals (${tree.ephemerals.size}):\n`;
      for (const [sid, paths] of tree.ephemerals) out += `${hex(sid)}:\n${[...paths].sort().map((p) => `\t${p}\n`).join('')}`;
      out += `Connections dump:\nConnections Sets (1)/(${zk.connections().length}):\n`;
      out += zk.connections().map((c) => `\t${hex(c.sessionId)}\n`).join('');
      return out;
    }
    default:
      return `${word} is not executed because it is not in the whitelist.\n`;
  }
}
