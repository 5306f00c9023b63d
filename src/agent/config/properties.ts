/**
 * java.util.Properties' text format, which Flume's configuration files use: `key = value`,
 * `key: value` or `key value`; `#` and `!` comments; a trailing backslash continues a line;
 * escapes \t \n \r \f \uXXXX, and a backslash before any other character keeps that character.
 * Later keys override earlier ones, as in Java. Line numbers are kept for error messages.
 */
export interface PropertyLine {
  key: string;
  value: string;
  line: number;
}

/** Bound on the size of a configuration file we parse (a configuration, not a data file). */
export const MAX_PROPERTIES_BYTES = 16 * 1024 * 1024;

function unescape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i]!;
    switch (n) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const hex = s.slice(i + 1, i + 5);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
        } else {
          out += 'u';
        }
        break;
      }
      default: out += n;
    }
  }
  return out;
}

/** Logical lines: continuation lines joined (their leading whitespace dropped), comments removed. */
function logicalLines(text: string): { text: string; line: number }[] {
  const physical = text.split(/\r\n|\r|\n/);
  const out: { text: string; line: number }[] = [];
  for (let i = 0; i < physical.length; i++) {
    let line = physical[i]!.replace(/^[ \t\f]+/, '');
    const start = i + 1;
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // An odd number of trailing backslashes continues the line.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < physical.length) {
      line = line.slice(0, -1) + physical[++i]!.replace(/^[ \t\f]+/, '');
    }
    if (/(^|[^\\])(\\\\)*\\$/.test(line)) line = line.slice(0, -1);
    out.push({ text: line, line: start });
  }
  return out;
}

export function parseProperties(text: string): PropertyLine[] {
  const out: PropertyLine[] = [];
  for (const { text: l, line } of logicalLines(text)) {
    let i = 0;
    let key = '';
    while (i < l.length) {
      const c = l[i]!;
      if (c === '\\' && i + 1 < l.length) {
        key += l.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      key += c;
      i++;
    }
    // Separator: whitespace, then at most one '=' or ':', then whitespace.
    while (i < l.length && /[ \t\f]/.test(l[i]!)) i++;
    if (i < l.length && (l[i] === '=' || l[i] === ':')) i++;
    while (i < l.length && /[ \t\f]/.test(l[i]!)) i++;
    out.push({ key: unescape(key), value: unescape(l.slice(i)), line });
  }
  return out;
}

/** Properties as a map (the last occurrence of a key wins, as Properties.load). */
export function propertiesMap(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of parseProperties(text)) m.set(p.key, p.value);
  return m;
}
