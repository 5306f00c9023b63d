/**
 * Joins the Prometheus text expositions of several registries (one per broker / keeper in a
 * process) into one valid exposition: the text format allows one HELP and one TYPE line per
 * metric family, with all its samples after them, so the families of every source are grouped
 * by name (first-seen order) instead of being concatenated (which repeats HELP/TYPE and makes
 * Prometheus reject the scrape when a process runs more than one broker).
 */
interface Family {
  header: string[];
  samples: string[];
}

export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const loose: string[] = [];
  for (const text of texts) {
    let current: Family | undefined;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta !== null) {
        const name = meta[2]!;
        let family = families.get(name);
        if (family === undefined) {
          family = { header: [], samples: [] };
          families.set(name, family);
        }
        if (!family.header.some((h) => h.startsWith(`# ${meta[1]} `))) family.header.push(line);
        current = family;
      } else if (line.startsWith('#')) {
        continue;
      } else if (current !== undefined) {
        current.samples.push(line);
      } else {
        loose.push(line);
      }
    }
  }
  const out: string[] = [...loose];
  for (const f of families.values()) out.push(...f.header, ...f.samples);
  return out.join('\n') + '\n';
}
