/**
 * ZooKeeperMain's command-line splitting: whitespace-separated words, where "double" or
 * 'single' quoted text is one word without its quotes (so `create /b "quoted data"` stores
 * `quoted data`).
 */
export function tokenizeCommandLine(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\"|[^"])*)"|'((?:\\'|[^'])*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    out.push(m[1] ?? m[2] ?? m[3] ?? '');
  }
  return out;
}

export interface ParsedOptions {
  flags: Set<string>;
  values: Map<string, string>;
  args: string[];
}

/**
 * commons-cli's PosixParser as zkCli uses it: options may come anywhere; `valued` options
 * take the next word. Throws with what zkCli prints for an unknown or incomplete option
 * (commons-cli's exception, class name included).
 */
export function parseOptions(words: string[], flags: string[], valued: string[]): ParsedOptions {
  const out: ParsedOptions = { flags: new Set(), values: new Map(), args: [] };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.length > 1 && w.startsWith('-') && !/^-\d/.test(w)) {
      const name = w.slice(1);
      if (flags.includes(name)) out.flags.add(name);
      else if (valued.includes(name)) {
        const v = words[i + 1];
        if (v === undefined) throw new Error(`org.apache.commons.cli.MissingArgumentException: Missing argument for option: ${name}`);
        out.values.set(name, v);
        i++;
      } else throw new Error(`org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: ${w}`);
    } else out.args.push(w);
  }
  return out;
}
