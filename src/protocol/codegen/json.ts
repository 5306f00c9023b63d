/**
 * Kafka's message specs are JSON with `//` line comments. Strip the comments (but not a `//`
 * inside a string literal, e.g. a URL in an "about" text) before JSON.parse.
 */
export function stripLineComments(text: string): string {
  let out = '';
  let inString = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\' && i + 1 < text.length) {
        out += text[i + 1]!;
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      i++;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

export function parseSpecJson(text: string, source: string): unknown {
  try {
    return JSON.parse(stripLineComments(text));
  } catch (err) {
    throw new Error(`${source}: invalid spec JSON: ${(err as Error).message}`, { cause: err });
  }
}
