// The terminal of the CLI: the log on stderr (each step with its time, progress lines rewritten in
// place on a terminal), colours only on a terminal and never with NO_COLOR, and the prompt of a typed confirmation.
import { createInterface } from 'node:readline/promises';
import type { TextStyle } from '../../report/plain-text.ts';

export interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Colours for a stream: only a terminal, and never when NO_COLOR is set to anything (no-color.org). */
export function colourful(stream: Stream, env: NodeJS.ProcessEnv, noColor: boolean): boolean {
  return stream.isTTY === true && !noColor && !env.NO_COLOR;
}

const SGR = (code: string) => (on: boolean) => (t: string) => (on ? `\u001b[${code}m${t}\u001b[0m` : t);
export const paint = {
  bold: SGR('1'),
  dim: SGR('2'),
  red: SGR('31'),
  green: SGR('32'),
  yellow: SGR('33'),
  cyan: SGR('36'),
};

export function textStyle(colour: boolean): TextStyle {
  return { heading: (t) => paint.bold(colour)(t), strong: (t) => paint.bold(colour)(t) };
}

/** Lines that only say how far a long read is: the census and the snapshot. */
const PROGRESS = /^(census of the \w+ etcd: \d+\/\d+ ranges|snapshot: [\d.]+ of [\d.]+ MB)/;

export interface TerminalLog {
  info(message: string): void;
  warning(message: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** The log of a run: on stderr, so that stdout holds only the result (text summary or JSON). */
export function terminalLog(err: Stream, colour: boolean): TerminalLog {
  const c = (k: keyof typeof paint) => paint[k](colour);
  let depth = 0;
  // On a terminal, a progress line is rewritten by the next one instead of scrolling.
  let progressShown = false;
  const line = (text: string, progress = false): void => {
    const indent = '  '.repeat(depth);
    if (err.isTTY && progressShown) err.write('\r\u001b[K');
    if (err.isTTY && progress) {
      err.write(`${indent}${c('dim')(text)}`);
      progressShown = true;
      return;
    }
    progressShown = false;
    err.write(`${indent}${text}\n`);
  };
  return {
    info: (m) => line(m, PROGRESS.test(m)),
    warning: (m) => line(`${c('yellow')('warning:')} ${m}`),
    async group(name, fn) {
      line(`${c('cyan')('▸')} ${c('bold')(name)}`);
      const t0 = Date.now();
      depth++;
      try {
        const r = await fn();
        depth--;
        line(`${c('green')('✓')} ${name} ${c('dim')(`${((Date.now() - t0) / 1000).toFixed(1)}s`)}`);
        return r;
      } catch (e) {
        depth--;
        line(`${c('red')('✗')} ${name} ${c('dim')(`${((Date.now() - t0) / 1000).toFixed(1)}s`)}`);
        throw e;
      }
    },
  };
}

/** Asks a question on the terminal (on stderr, so stdout keeps only the result) and gives the answer. */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await rl.question(`${question} `);
  } finally {
    rl.close();
  }
}
