/**
 * Option parsing in the style of Kafka's scripts (joptsimple): `--name value`, `--name=value`,
 * repeatable options (`--config a=1 --config b=2`) and greedy lists (`--producer-props a=1 b=2`,
 * which take every following word up to the next option).
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Collect every occurrence. */
  multiple?: boolean;
  /** Take every following word that does not start with `--`. */
  greedy?: boolean;
  /** A string option whose value may be left out (joptsimple's optional argument): then ''. */
  optionalValue?: boolean;
}

export type ParsedOptions = Map<string, string[]>;

export class UsageError extends Error {}

export function parseKafkaArgs(args: string[], spec: Record<string, OptionSpec>): ParsedOptions {
  const out: ParsedOptions = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h') {
      out.set('help', ['true']);
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const s = spec[name];
    if (s === undefined) throw new UsageError(`'${name}' is not a recognized option`);
    const values = out.get(name) ?? [];
    if (s.type === 'boolean') {
      values.push('true');
    } else if (eq > 0) {
      values.push(arg.slice(eq + 1));
    } else if (s.optionalValue === true) {
      values.push(i + 1 < args.length && !args[i + 1]!.startsWith('-') ? args[++i]! : '');
    } else if (s.greedy === true) {
      let taken = 0;
      while (i + 1 < args.length && !args[i + 1]!.startsWith('--')) {
        values.push(args[++i]!);
        taken++;
      }
      if (taken === 0) throw new UsageError(`option '${name}' requires an argument`);
    } else {
      if (i + 1 >= args.length) throw new UsageError(`option '${name}' requires an argument`);
      values.push(args[++i]!);
    }
    if (s.multiple !== true && s.greedy !== true && values.length > 1) throw new UsageError(`option '${name}' given more than once`);
    out.set(name, values);
  }
  return out;
}

export function str(o: ParsedOptions, name: string): string | undefined {
  return o.get(name)?.[0];
}

export function flag(o: ParsedOptions, name: string): boolean {
  return o.has(name);
}

export function int(o: ParsedOptions, name: string): number | undefined {
  const v = str(o, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`option '${name}' needs an integer, got '${v}'`);
  return Number(v);
}

/** `k=v` pairs (from --config, --property, --producer-props) as a map; a bad pair is a UsageError. */
export function keyValues(values: string[] | undefined, what: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of values ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`invalid ${what} '${kv}': expected key=value`);
    m.set(kv.slice(0, i).trim(), kv.slice(i + 1));
  }
  return m;
}

/** Reads a Java properties file (--command-config, --producer.config): `k=v` / `k: v`, # and ! comments. */
export async function readPropertiesFile(path: string): Promise<Map<string, string>> {
  const { readFile } = await import('node:fs/promises');
  const m = new Map<string, string>();
  for (const raw of (await readFile(path, 'utf8')).split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const i = line.search(/[=:]/);
    if (i < 0) m.set(line, '');
    else m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

/** client.id from the properties file named by option `name` (--command-config, --admin.config), if given. */
export async function clientIdFromConfig(o: ParsedOptions, name: string): Promise<string | undefined> {
  const file = str(o, name);
  return file === undefined ? undefined : (await readPropertiesFile(file)).get('client.id');
}
