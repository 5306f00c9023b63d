/**
 * DescribeLogDirs (key 35): each `log.dirs` entry with the partitions it holds (size on disk;
 * offset lag 0: no future replicas) and, v4+, the file system's total/usable bytes.
 */
import { existsSync, statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ErrorCode } from '../../protocol/errors.js';
import {
  createDescribeLogDirsResponse,
  type DescribeLogDirsRequest,
  type DescribeLogDirsResponse,
  type DescribeLogDirsResponseDescribeLogDirsTopic,
} from '../../protocol/generated/describe-log-dirs.js';
import { defineHandler } from './handler.js';

export const describeLogDirsHandler = defineHandler<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  apiKey: 35,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const b = ctx.broker;
    const wanted = req.topics === null ? null : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const results = b.logDirs.map((dir) => {
      const topics = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopic>();
      for (const p of b.replicaManager.partitions.values()) {
        if (wanted !== null && wanted.get(p.topic)?.has(p.partition) !== true) continue;
        if (!existsSync(join(dir, `${p.topic}-${p.partition}`))) continue;
        let t = topics.get(p.topic);
        if (t === undefined) topics.set(p.topic, (t = { name: p.topic, partitions: [] }));
        const size = b.logSize(p.topic, p.partition);
        // offsetLag is for future replicas being moved between log dirs (AlterReplicaLogDirs), which this broker does not do.
        t.partitions.push({ partitionIndex: p.partition, partitionSize: BigInt(Math.max(0, size)), offsetLag: 0n, isFutureKey: false });
      }
      let totalBytes = -1n;
      let usableBytes = -1n;
      if (ctx.apiVersion >= 4) {
        try {
          const s = statfsSync(dir);
          totalBytes = BigInt(s.blocks) * BigInt(s.bsize);
          usableBytes = BigInt(s.bavail) * BigInt(s.bsize);
        } catch {
          // unknown: -1 as Kafka reports
        }
      }
      return { errorCode: ErrorCode.NONE, logDir: resolve(dir), topics: [...topics.values()], totalBytes, usableBytes };
    });
    return createDescribeLogDirsResponse({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, results });
  },
});
