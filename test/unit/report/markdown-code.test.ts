// Code spans and links in the summary and the PR comment show the text as given.
import { describe, expect, it } from 'vitest';
import { codeSpan, link } from '../../../src/report/markdown.ts';

describe('codeSpan padding', () => {
  it('pads text that starts and ends with a space, so Markdown does not strip them', () => {
    expect(codeSpan(' a ')).toBe('`  a  `');
    expect(codeSpan(' ab ')).toBe('`  ab  `');
  });
  it('leaves text with a space at one end only as it is', () => {
    expect(codeSpan('a b ')).toBe('`a b `');
    expect(codeSpan(' a b')).toBe('` a b`');
  });
});

describe('link', () => {
  it('links http URLs too', () => {
    expect(link('chart', 'http://charts.internal/vcluster')).toBe('[chart](http://charts.internal/vcluster)');
  });
  it('shows only the text for an empty URL', () => {
    expect(link('run', '')).toBe('run');
  });
});
