// The job summary as the CLI prints it on a terminal: what markdown.ts and summary.ts escape comes
// back as written, code stays verbatim, and a terminal's style marks headings and bold text.
import { describe, expect, it } from 'vitest';
import { markdownToText, type TextStyle } from '../../../src/report/plain-text.ts';
import { codeSpan, escapeMarkdown } from '../../../src/report/markdown.ts';

const marked: TextStyle = { heading: (t) => `[H ${t}]`, strong: (t) => `[B ${t}]` };

describe('markdownToText', () => {
  it('styles headings and bold text, and a fold as a heading with a colon', () => {
    const md =
      '## vCluster etcd migration: migrate ✅\n\nRelease **succeeded**. Done.\n\n<details open><summary>What the cluster showed</summary>\n\nx\n</details>';
    expect(markdownToText(md, marked)).toBe(
      '[H vCluster etcd migration: migrate ✅]\n\nRelease [B succeeded]. Done.\n\n[H What the cluster showed:]\n\nx',
    );
  });

  it('gives back what escapeMarkdown wrote: punctuation, entities, and a mention kept from notifying', () => {
    const text = 'a_b *c* [d](e) <f> & @org/team | ~g~ $h$ #1';
    expect(markdownToText(escapeMarkdown(text))).toBe(text);
  });

  it('keeps code spans verbatim, a backtick inside one included', () => {
    expect(markdownToText(`key ${codeSpan('a`b')} and ${codeSpan('x_y')} end`)).toBe('key a`b and x_y end');
  });

  it('says an empty value as (empty) and a link as its text and address', () => {
    expect(markdownToText('value: *(empty)*, see [the run](https://example.test/run/1).')).toBe(
      'value: (empty), see the run: https://example.test/run/1.',
    );
  });

  it('indents a fenced block, leaves its text alone, and keeps no more than one empty line', () => {
    expect(markdownToText('before\n\n\n\n```sh\nkubectl delete pvc a_b\n```\n\n\nafter')).toBe(
      'before\n\n  kubectl delete pvc a_b\n\nafter',
    );
  });

  it("drops a table's separator row of any alignment and keeps its other rows", () => {
    expect(markdownToText('| a | b |\n| --- | ---: |\n| :-: | x |')).toBe('| a | b |\n| :-: | x |');
  });
});
