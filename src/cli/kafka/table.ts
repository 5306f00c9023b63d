/** Kafka tools' column layout: every column left-aligned to max(minimum, widest value), one space apart. */
export function formatTable(header: string[], rows: string[][], minWidths: number[] = []): string[] {
  const widths = header.map((h, i) => Math.max(minWidths[i] ?? 0, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join(' ');
  return [line(header), ...rows.map(line)];
}
