/** A table for a terminal (columns padded to their widest cell) or as Markdown (a CI job summary, a PR comment). */
export function tableLines(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  format: 'text' | 'markdown',
): string[] {
  if (format === 'markdown')
    return [
      `| ${head.join(' | ')} |`,
      `|${head.map(() => '---').join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ];
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
