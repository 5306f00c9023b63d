/** CreatePartitions (key 37): grows topics (never shrinks: INVALID_PARTITIONS), optionally with explicit assignments. */
import { ErrorCode } from '../../protocol/errors.js';
import { createCreatePartitionsResponse, type CreatePartitionsRequest, type CreatePartitionsResponse } from '../../protocol/generated/create-partitions.js';
import { defineHandler } from './handler.js';

export const createPartitionsHandler = defineHandler<CreatePartitionsRequest, CreatePartitionsResponse>({
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const dup = new Set([...counts].filter(([, n]) => n > 1).map(([name]) => name));
    const valid = req.topics.filter((t) => !dup.has(t.name));
    const results = valid.length === 0 ? [] : await ctx.broker.metadata.createPartitions(
      valid.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments === null ? null : t.assignments.map((a) => a.brokerIds) })),
      { validateOnly: req.validateOnly, timeoutMs: req.timeoutMs },
    );
    const byName = new Map(results.map((r) => [r.name, r]));
    return createCreatePartitionsResponse({
      throttleTimeMs: 0,
      results: req.topics.map((t) => {
        if (dup.has(t.name)) return { name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' };
        const r = byName.get(t.name)!;
        return { name: t.name, errorCode: r.errorCode, errorMessage: r.errorMessage };
      }),
    });
  },
});
