/**
 * Znode path rules (ZooKeeper's PathUtils.validatePath) and parent/name helpers. In the data
 * tree the root is stored under both '' and '/', as ZooKeeper's DataTree does; parentOf('/a')
 * is '/' here (callers that need ZooKeeper's '' form for the root use `rootKey`).
 */
export function pathProblem(path: string, isSequential = false): string | null {
  if (path.length === 0) return 'Path length must be > 0';
  if (path[0] !== '/') return 'Path must start with / character';
  if (path.length === 1) return null;
  if (path[path.length - 1] === '/' && !isSequential) return 'Path must not end with / character';
  let last = '/';
  const chars = [...path];
  for (let i = 1; i < chars.length; i++) {
    const c = chars[i]!;
    const code = c.codePointAt(0)!;
    if (code === 0) return `null character not allowed @${i}`;
    if (c === '/' && last === '/') return `empty node name specified @${i}`;
    if (c === '.' && last === '.') {
      if (chars[i - 2] === '/' && (i + 1 === chars.length || chars[i + 1] === '/')) return `relative paths not allowed @${i}`;
    } else if (c === '.') {
      if (chars[i - 1] === '/' && (i + 1 === chars.length || chars[i + 1] === '/')) return `relative paths not allowed @${i}`;
    } else if (
      (code > 0x0000 && code <= 0x001f) ||
      (code >= 0x007f && code <= 0x009f) ||
      (code >= 0xd800 && code <= 0xf8ff) ||
      (code >= 0xfff0 && code <= 0xffff)
    ) {
      return `invalid character @${i}`;
    }
    last = c;
  }
  return null;
}

/** '/a/b' -> '/a', '/a' -> '/'. */
export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** '/a/b' -> 'b'. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** The path and every ancestor up to '/', nearest first: '/a/b' -> ['/a/b', '/a', '/']. */
export function selfAndAncestors(path: string): string[] {
  const out = [path];
  let p = path;
  while (p !== '/') {
    p = parentOf(p);
    out.push(p);
  }
  return out;
}
