/** TAILDIR's pure scan decisions: new files, position file, skipToEnd, rename, copytruncate, files leaving the pattern. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcile, type TrackedFile } from '../../src/agent/sources/taildir/reconcile.js';

const tracked = (...files: TrackedFile[]) => new Map(files.map((f) => [f.inode, f]));

test('new files start at 0, at their end with skipToEnd, or at their saved position', () => {
  const scanned = [
    { path: '/l/a.log', inode: 1n, size: 100, group: 0 },
    { path: '/l/b.log', inode: 2n, size: 50, group: 0 },
    { path: '/l/c.log', inode: 3n, size: 10, group: 1 },
  ];
  const saved = new Map([[2n, 20], [3n, 99]]);
  assert.deepEqual(reconcile(new Map(), scanned, saved, false), [
    { kind: 'track', inode: 1n, path: '/l/a.log', pos: 0, size: 100, group: 0, fromPositionFile: false },
    { kind: 'track', inode: 2n, path: '/l/b.log', pos: 20, size: 50, group: 0, fromPositionFile: true },
    { kind: 'track', inode: 3n, path: '/l/c.log', pos: 0, size: 10, group: 1, fromPositionFile: true }, // saved past the end: truncated meanwhile
  ]);
  assert.equal((reconcile(new Map(), scanned, saved, true)[0] as { pos: number }).pos, 100, 'skipToEnd');
});

test('rename keeps the inode; copytruncate resets; growth is noticed; a file matched twice counts once', () => {
  const t = tracked({ inode: 1n, path: '/l/app.log', pos: 80, size: 80, open: true });
  assert.deepEqual(reconcile(t, [{ path: '/l/app.log.1', inode: 1n, size: 90, group: 0 }, { path: '/l/app.log', inode: 7n, size: 5, group: 0 }], new Map(), false), [
    { kind: 'renamed', inode: 1n, from: '/l/app.log', to: '/l/app.log.1' },
    { kind: 'resized', inode: 1n, size: 90 },
    { kind: 'track', inode: 7n, path: '/l/app.log', pos: 0, size: 5, group: 0, fromPositionFile: false },
  ]);
  assert.deepEqual(reconcile(t, [{ path: '/l/app.log', inode: 1n, size: 12, group: 0 }, { path: '/l/link.log', inode: 1n, size: 12, group: 1 }], new Map(), false), [
    { kind: 'truncated', inode: 1n, pos: 80, size: 12 },
    { kind: 'resized', inode: 1n, size: 12 },
  ]);
  assert.deepEqual(reconcile(t, [{ path: '/l/app.log', inode: 1n, size: 80, group: 0 }], new Map(), false), [], 'nothing changed');
});

test('a file that left the pattern is drained when open, forgotten when not', () => {
  const t = tracked(
    { inode: 1n, path: '/l/a.log', pos: 10, size: 20, open: true },
    { inode: 2n, path: '/l/b.log', pos: 5, size: 5, open: false },
  );
  assert.deepEqual(reconcile(t, [], new Map(), false), [{ kind: 'gone', inode: 1n }, { kind: 'forget', inode: 2n }]);
});
