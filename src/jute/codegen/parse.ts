/**
 * A parser for ZooKeeper's jute IDL (zookeeper.jute): `module a.b { class X { type name; } }`
 * with primitive types int, long, boolean, ustring, buffer, vector<T> and record references
 * by simple or module-qualified name.
 */
export type JuteType =
  | { kind: 'int' }
  | { kind: 'long' }
  | { kind: 'boolean' }
  | { kind: 'ustring' }
  | { kind: 'buffer' }
  | { kind: 'vector'; element: JuteType }
  | { kind: 'record'; name: string };

export interface JuteField {
  readonly name: string;
  readonly type: JuteType;
}

export interface JuteRecord {
  readonly module: string;
  readonly name: string;
  readonly fields: readonly JuteField[];
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

function tokenize(text: string): string[] {
  const tokens = stripComments(text).match(/[A-Za-z_][A-Za-z0-9_.]*|[{}<>;]/g);
  return tokens ?? [];
}

class TokenStream {
  private i = 0;
  constructor(private readonly tokens: readonly string[]) {}
  get done(): boolean {
    return this.i >= this.tokens.length;
  }
  peek(): string | undefined {
    return this.tokens[this.i];
  }
  next(): string {
    const t = this.tokens[this.i++];
    if (t === undefined) throw new Error('jute: unexpected end of input');
    return t;
  }
  expect(want: string): void {
    const t = this.next();
    if (t !== want) throw new Error(`jute: expected '${want}', got '${t}'`);
  }
}

function parseType(ts: TokenStream): JuteType {
  const t = ts.next();
  switch (t) {
    case 'int':
    case 'long':
    case 'boolean':
    case 'ustring':
    case 'buffer':
      return { kind: t };
    case 'vector': {
      ts.expect('<');
      const element = parseType(ts);
      ts.expect('>');
      return { kind: 'vector', element };
    }
    default: {
      // A record, possibly module-qualified: the simple name is the last component.
      const parts = t.split('.');
      return { kind: 'record', name: parts[parts.length - 1]! };
    }
  }
}

export function parseJute(text: string): JuteRecord[] {
  const ts = new TokenStream(tokenize(text));
  const records: JuteRecord[] = [];
  while (!ts.done) {
    ts.expect('module');
    const module = ts.next();
    ts.expect('{');
    while (ts.peek() !== '}') {
      ts.expect('class');
      const name = ts.next();
      ts.expect('{');
      const fields: JuteField[] = [];
      while (ts.peek() !== '}') {
        const type = parseType(ts);
        const fieldName = ts.next();
        ts.expect(';');
        fields.push({ name: fieldName, type });
      }
      ts.expect('}');
      records.push({ module, name, fields });
    }
    ts.expect('}');
  }
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.name)) throw new Error(`jute: record name ${r.name} is defined twice`);
    seen.add(r.name);
  }
  for (const r of records) {
    for (const f of r.fields) checkRefs(f.type, seen, `${r.name}.${f.name}`);
  }
  return records;
}

function checkRefs(t: JuteType, names: ReadonlySet<string>, where: string): void {
  if (t.kind === 'vector') checkRefs(t.element, names, where);
  if (t.kind === 'record' && !names.has(t.name)) throw new Error(`jute: ${where} refers to unknown record ${t.name}`);
}
