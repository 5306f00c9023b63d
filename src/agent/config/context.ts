/**
 * Flume's Context: one component's properties (the part of the key after
 * `<agent>.<kind>.<name>.`) with typed getters. Every getter knows the full key, so a bad value
 * is reported as `a1.sources.r1.batchSize: ...`. `used` records which keys a component read;
 * the rest are reported as ignored, as Flume logs "Configuration property ignored".
 */
import { AgentConfigError } from '../errors.js';

export class Context {
  readonly used = new Set<string>();

  constructor(
    /** The full-key prefix, e.g. `a1.sources.r1.` */
    readonly prefix: string,
    private readonly props: ReadonlyMap<string, string>,
  ) {}

  keyOf(name: string): string {
    return this.prefix + name;
  }

  has(name: string): boolean {
    return this.props.has(name);
  }

  keys(): string[] {
    return [...this.props.keys()];
  }

  raw(name: string): string | undefined {
    this.used.add(name);
    return this.props.get(name);
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const v = this.raw(name);
    return v === undefined ? fallback : v.trim();
  }

  required(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw new AgentConfigError(this.keyOf(name), 'is required');
    return v;
  }

  integer(name: string, fallback: number, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    if (!/^[+-]?\d+$/.test(v)) throw new AgentConfigError(this.keyOf(name), `'${v}' is not an integer`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new AgentConfigError(this.keyOf(name), `${v} is out of range [${min}, ${max}]`);
    return n;
  }

  boolean(name: string, fallback: boolean): boolean {
    const v = this.string(name);
    if (v === undefined) return fallback;
    // Java's Boolean.parseBoolean treats anything but "true" as false; a typo there silently
    // flips a setting, so we refuse anything that is not true/false.
    const l = v.toLowerCase();
    if (l !== 'true' && l !== 'false') throw new AgentConfigError(this.keyOf(name), `'${v}' is not true or false`);
    return l === 'true';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const match = allowed.find((a) => a.toLowerCase() === v.toLowerCase());
    if (match === undefined) throw new AgentConfigError(this.keyOf(name), `'${v}' is not one of ${allowed.join(', ')}`);
    return match;
  }

  regex(name: string, fallback: string): RegExp {
    const v = this.string(name, fallback);
    try {
      return new RegExp(v);
    } catch (err) {
      throw new AgentConfigError(this.keyOf(name), `'${v}' is not a valid regular expression`, { cause: err });
    }
  }

  /** Whitespace-separated list (Flume's `channels = c1 c2`). */
  list(name: string): string[] {
    const v = this.string(name);
    return v === undefined ? [] : v.split(/\s+/).filter((s) => s !== '');
  }

  /** Properties under `name.` (Flume's getSubProperties), marked used. */
  sub(name: string): Context {
    const p = name.endsWith('.') ? name : `${name}.`;
    const m = new Map<string, string>();
    for (const [k, v] of this.props) {
      if (k.startsWith(p)) {
        m.set(k.slice(p.length), v);
        this.used.add(k);
      }
    }
    return new Context(this.prefix + p, m);
  }

  /** Keys nobody read (for "Configuration property ignored" warnings). */
  unused(): string[] {
    return this.keys().filter((k) => !this.used.has(k)).map((k) => this.keyOf(k));
  }
}
