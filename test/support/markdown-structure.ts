// Small structural checks of generated GitHub Markdown, for escaping tests: what lies outside
// code spans (where HTML and links would be live) and how many cells a table row has.

/** The text with every CommonMark code span (matching backtick runs) removed. */
export function outsideCodeSpans(markdown: string): string {
  let out = '';
  let i = 0;
  while (i < markdown.length) {
    if (markdown[i] === '\\' && i + 1 < markdown.length) {
      out += markdown.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (markdown[i] !== '`') {
      out += markdown[i];
      i++;
      continue;
    }
    let n = 0;
    while (markdown[i + n] === '`') n++;
    const fence = '`'.repeat(n);
    // The closing run must be exactly n backticks long.
    let j = i + n;
    let close = -1;
    while ((j = markdown.indexOf(fence, j)) >= 0) {
      let m = 0;
      while (markdown[j + m] === '`') m++;
      if (m === n) {
        close = j;
        break;
      }
      j += m;
    }
    if (close < 0) {
      out += fence;
      i += n;
      continue;
    }
    out += 'CODE';
    i = close + n;
  }
  return out;
}

/** Cells of a GFM table row: split at pipes not escaped by a backslash (also inside code spans). */
export function tableCells(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\' && row[i + 1] === '|') {
      cell += '\\|';
      i++;
      continue;
    }
    if (row[i] === '|') {
      cells.push(cell);
      cell = '';
      continue;
    }
    cell += row[i];
  }
  cells.push(cell);
  // A row starts and ends with a pipe: drop the empty outer pieces.
  return cells.slice(1, -1).map((c) => c.trim());
}
