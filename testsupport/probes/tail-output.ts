/**
 * Splits the output of `tail -n +1 FILE...` (GNU coreutils and busybox alike) into each file's content.
 * Reading many small files in one command this way needs no shell and no glob; files that could not be read
 * are simply absent (tail complains on stderr and goes on).
 */
export function splitTailOutput(output: string, files: readonly string[]): Map<string, string> {
  const result = new Map<string, string>();
  if (files.length === 1) {
    // One file: tail prints no header.
    if (files[0] !== undefined) result.set(files[0], output);
    return result;
  }
  // tail writes "\n==> FILE <==\n" before every file but the first: exactly one newline of separator, so a
  // file's content is exact whether it ends in a newline or not (a NUL-separated cmdline does not).
  const header = /(?:^|\n)==> (.+?) <==\n/g;
  const wanted = new Set(files);
  const marks: { file: string; start: number; end: number }[] = [];
  for (const match of output.matchAll(header)) {
    const file = match[1] ?? '';
    if (wanted.has(file)) marks.push({ file, start: match.index, end: match.index + match[0].length });
  }
  marks.forEach((mark, i) => {
    result.set(mark.file, output.slice(mark.end, marks[i + 1]?.start ?? output.length));
  });
  return result;
}
