// What a reviewer reads must never contradict itself. This reads a run's job summary as a person
// does (the Markdown, not the report behind it) with the run's step outputs, and lists every
// statement that another part of the same summary, or an output, says otherwise. The e2e harness
// checks every run with it, so each end state the e2e tests produce is covered.

/** The parts of a run this reads. An ActionResult fits as is. */
export interface ReadRun {
  summary: string;
  outputs: Record<string, string>;
}

interface Row {
  name: string;
  state: string;
  note: string;
}

const OK_STATUS = new Set(['succeeded', 'planned', 'no-op']);
const STOP_STATUS = new Set(['failed', 'refused']);

/** Table rows under a `### title` heading, cells split on unescaped pipes outside code spans. */
function tableUnder(md: string, title: string): string[][] {
  const at = md.indexOf(`\n### ${title}\n`);
  if (at < 0) return [];
  const lines = md.slice(at).split('\n').slice(2);
  const rows: string[][] = [];
  let started = false;
  for (const line of lines) {
    if (!line.startsWith('|')) {
      if (started) break;
      continue;
    }
    started = true;
    rows.push(cells(line));
  }
  return rows.slice(2);
}

function cells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let tick = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cur += line.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === '`') tick = tick ? 0 : 1;
    if (c === '|' && !tick) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  return out.slice(1);
}

/** "✅ ok" → "ok". */
const stateCell = (cell: string): string => cell.split(' ').at(-1) ?? '';
const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');

function rowsOf(md: string, title: string): Row[] {
  return tableUnder(md, title).map((c) => ({
    name: unescape(c[0] ?? ''),
    state: stateCell(c[1] ?? ''),
    note: unescape(c[3] ?? c[2] ?? ''),
  }));
}

/** The procedure line's stages: label → state word. */
function procedureLine(md: string): Map<string, string> | undefined {
  const m = /^Procedure: (.*)\.$/m.exec(md);
  if (!m) return undefined;
  const words = ['done earlier', 'to do', 'done', 'current', 'refused', 'failed', 'skipped', 'optional'];
  return new Map(
    unescape(m[1]!)
      .split(' → ')
      .map((part) => {
        const w = words.find((x) => part.endsWith(` ${x}`)) ?? '';
        return [part.slice(0, part.length - w.length - 1), w] as const;
      }),
  );
}

/** The procedure diagram's boxes: label → the state word its mark says; and the stop box's text. */
function diagram(md: string): { stages: Map<string, string>; stop?: string; classes: Map<string, string> } | undefined {
  const block = /```mermaid\nflowchart LR\n([\s\S]*?)```/.exec(md)?.[1];
  if (!block) return undefined;
  const decode = (s: string) =>
    s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/<br\/>/g, ' ');
  const stages = new Map<string, string>();
  const classes = new Map<string, string>();
  for (const m of block.matchAll(/^ {2}s\d+\["(.*)"\]:::(\w+)$/gm)) {
    const text = decode(m[1]!);
    const mark = /(✅ done earlier|✅ done|⏳ current|⛔ refused|❌ failed|◻️ to do|⏭️ skipped|◻️ optional)/u.exec(
      text,
    );
    const label = mark ? text.slice(0, mark.index).trim() : text;
    stages.set(label, mark ? mark[1]!.replace(/^\S+ /, '') : '');
    classes.set(label, m[2]!);
  }
  const stop = /^ {2}stop\["(.*)"\]:::stop$/m.exec(block)?.[1];
  return { stages, stop: stop === undefined ? undefined : decode(stop), classes };
}

const CLASS_OF: Record<string, string> = {
  done: 'done',
  'done earlier': 'earlier',
  current: 'current',
  refused: 'refused',
  failed: 'failed',
  'to do': 'todo',
  skipped: 'skipped',
  optional: 'optional',
};

function statusOf(md: string): string | undefined {
  return /^Release .*?: \*\*([a-z-]+)\*\*\./m.exec(md)?.[1] ?? /^\*\*(refused)\*\*: /m.exec(md)?.[1];
}

function headerIcon(md: string): string | undefined {
  return /^## vCluster etcd migration: .* (✅|⏳|❌)$/mu.exec(md)?.[1];
}

function phaseRunContradictions(md: string, outputs: Record<string, string>): string[] {
  const out: string[] = [];
  const status = statusOf(md);
  if (status === undefined) return ['the summary states no status'];
  if (outputs.status !== undefined && outputs.status !== status)
    out.push(`the summary says ${status}, the status output says ${outputs.status}`);
  const icon = headerIcon(md);
  const want = OK_STATUS.has(status) ? '✅' : status === 'waiting' ? '⏳' : '❌';
  if (icon !== want) out.push(`the heading shows ${icon ?? 'no mark'} for a run that is ${status}`);

  const steps = rowsOf(md, 'Steps');
  const checks = rowsOf(md, 'Preflight');
  if (OK_STATUS.has(status) || status === 'waiting') {
    for (const s of steps.filter((x) => STOP_STATUS.has(x.state)))
      out.push(`step ${s.name} is ${s.state} in a run that is ${status}`);
  }
  for (const s of steps) {
    if (/approved by\s*$/.test(s.note)) out.push(`step ${s.name} says "approved by" and names nobody`);
  }
  const approval = steps.find((s) => s.name === 'approval');
  const approvalFailed = checks.filter((c) => c.name.startsWith('approval: ') && c.state === 'failed');
  if (approval?.state === 'ok' && approvalFailed.length > 0 && !/bypassed/.test(approval.note))
    out.push(
      `the approval step passed beside failed approval checks (${approvalFailed.map((c) => c.name).join(', ')})`,
    );
  const approvedBy = /^Approved by: (.*)$/m.exec(md);
  if (approvedBy && approval && approval.state !== 'ok')
    out.push(`"Approved by" is shown while the approval step is ${approval.state}`);
  if (approvedBy && !approvedBy[1]!.trim()) out.push('"Approved by" names nobody');

  out.push(...procedureContradictions(md, status, steps));
  out.push(...valuesContradictions(md));
  out.push(...censusContradictions(md, outputs));
  return out;
}

/** A run that shows where the migration stands by its record, not by its own steps. */
const standing = (md: string, status: string): boolean =>
  status === 'no-op' || /^## vCluster etcd migration: status /m.test(md);

function procedureContradictions(md: string, status: string, steps: Row[]): string[] {
  const out: string[] = [];
  const line = procedureLine(md);
  const pic = diagram(md);
  if (!line && !pic) return out;
  if (!line || !pic)
    return [
      `the summary has ${line ? 'the procedure line without the diagram' : 'the diagram without the procedure line'}`,
    ];
  const lineStates = [...line.values()];
  if (JSON.stringify([...line.keys()]) !== JSON.stringify([...pic.stages.keys()]))
    out.push(
      `the procedure line names ${[...line.keys()].join(', ')}; the diagram ${[...pic.stages.keys()].join(', ')}`,
    );
  for (const [label, state] of line) {
    const drawn = pic.stages.get(label);
    if (drawn !== undefined && drawn !== state)
      out.push(`stage ${label} is ${state} in words, ${drawn} in the diagram`);
    const cls = pic.classes.get(label);
    if (cls !== undefined && cls !== CLASS_OF[state]) out.push(`stage ${label} says ${state} but is coloured ${cls}`);
  }
  const stopped = lineStates.filter((s) => STOP_STATUS.has(s));
  if (standing(md, status)) {
    // status and a no-op draw the state record: a failed stage there is the record's, said in the headline.
    const headline = /^Release .*?: \*\*[a-z-]+\*\*\. (.*)$/m.exec(md)?.[1] ?? '';
    const recordFailed = /phase (one|two) failed/.test(headline);
    if (recordFailed !== stopped.includes('failed'))
      out.push(
        `the headline says "${headline.slice(0, 60)}" and the procedure shows ${stopped.includes('failed') ? 'a stage failed' : 'no stage failed'}`,
      );
  } else if (STOP_STATUS.has(status)) {
    if (!stopped.includes(status)) out.push(`the run is ${status} but no stage of the procedure is ${status}`);
    if (!pic.stop) out.push(`the run is ${status} but the diagram does not say where it stopped`);
    else if (!pic.stop.includes(status))
      out.push(`the diagram's stop box says "${pic.stop.slice(0, 60)}" for a run that is ${status}`);
  } else if (stopped.length > 0 || pic.stop) {
    out.push(`the run is ${status} but the procedure shows a stage ${stopped[0] ?? 'stopped'}`);
  }
  if (stopped.length > 1) out.push(`the procedure shows ${stopped.length} stages stopped; a run stops once`);
  const current = lineStates.filter((s) => s === 'current').length;
  if (current > 1) out.push(`the procedure shows ${current} stages current`);
  if (current > 0 && stopped.length > 0) out.push('the procedure shows a stage current beside a stopped one');
  // The step that stopped the run in the table, and the picture, say the same.
  const stopStep = steps.find((s) => STOP_STATUS.has(s.state));
  if (stopStep && stopped.length === 0)
    out.push(`step ${stopStep.name} is ${stopStep.state} but no stage of the procedure is`);
  return out;
}

/** Each `<details><summary>` label of the summary. */
const foldedLabels = (md: string): string[] =>
  [...md.matchAll(/<details(?: open)?><summary>(.*?)<\/summary>/g)].map((m) => unescape(m[1]!));

function valuesContradictions(md: string): string[] {
  const headline = /^Release .*?: \*\*[a-z-]+\*\*\. (.*)$/m.exec(md)?.[1] ?? '';
  const named = /values shown under (Values phase (?:one|two))/.exec(unescape(headline))?.[1];
  if (named && !foldedLabels(md).includes(named))
    return [`the headline points to ${named}, which the summary does not show`];
  if (/the values below/.test(headline) && !foldedLabels(md).some((l) => l.startsWith('Values ')))
    return ['the headline points to values below, and there are none'];
  return [];
}

function censusContradictions(md: string, outputs: Record<string, string>): string[] {
  const out: string[] = [];
  const before = /^Before: \*\*(\d+|\?)\*\* keys, after: \*\*(\d+|\?)\*\* keys\.$/m.exec(md);
  const plain = /^Keys: before (\d+|\?), after (\d+|\?)\.$/m.exec(md);
  const shown = before ?? plain;
  if (shown) {
    for (const [i, name] of [
      [1, 'keys-before'],
      [2, 'keys-after'],
    ] as const) {
      const said = shown[i] === '?' ? '' : shown[i]!;
      if (outputs[name] !== undefined && outputs[name] !== said)
        out.push(
          `the summary says ${name.replace('-', ' ')} ${shown[i]}, the ${name} output says ${outputs[name] || 'nothing'}`,
        );
    }
  }
  const all = /^✅ All (\d+) groups? match: (\d+) keys before and after\.$/m.exec(md);
  const lostLine = /^❌ \*\*(\d+) groups? lost keys\*\*/m.exec(md);
  const noneLost = /^✅ No group lost keys;/m.test(md);
  const lostRows = (md.match(/^\| `.*` \| \d+ \| \d+ \| [^|]+ \| \*\*lost\*\* \|$/gm) ?? []).length;
  const total = /^\| \*\*Total\*\* \| (\d+) \| (\d+) \| [^|]+ \| (.*) \|$/m.exec(md);
  if (all) {
    if (lostRows > 0) out.push(`the census says all groups match and lists ${lostRows} group(s) that lost keys`);
    if (total && (total[1] !== all[2] || total[2] !== all[2]))
      out.push(`the census says ${all[2]} keys before and after; its total row ${total[1]} and ${total[2]}`);
  }
  if (lostLine && Number(lostLine[1]) !== lostRows)
    out.push(`the census says ${lostLine[1]} group(s) lost keys and lists ${lostRows}`);
  if (noneLost && lostRows > 0) out.push(`the census says no group lost keys and lists ${lostRows}`);
  if (total && lostRows > 0 !== total[3]!.includes('lost keys'))
    out.push(`the census total says ${total[3]} beside ${lostRows} group(s) that lost keys`);
  const status = statusOf(md);
  if (lostRows > 0 && status === 'succeeded') out.push(`the run succeeded although ${lostRows} group(s) lost keys`);
  return out;
}

/** discover's summary: the chart and the table of states say the same counts, and the rows agree. */
function fleetContradictions(md: string): string[] {
  const out: string[] = [];
  const pie = new Map([...md.matchAll(/^ {2}"([a-z-]+)" : (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  const table = new Map(
    [...md.matchAll(/^\| \S+ ([a-z-]+) \| (\d+) \|$/gmu)].map((m) => [m[1]!, Number(m[2])] as [string, number]),
  );
  for (const [state, n] of table) {
    if ((pie.get(state) ?? 0) !== n) out.push(`the chart shows ${pie.get(state) ?? 0} ${state}, the table ${n}`);
  }
  for (const state of pie.keys()) if (!table.has(state)) out.push(`the chart shows ${state}, the table does not`);
  const head = /^(\d+) vCluster releases? in .*; (\d+) needs? a person\.$/m.exec(md);
  const rows = [...md.matchAll(/^\| (👤|) \| `.*$/gmu)];
  const sum = [...table.values()].reduce((a, b) => a + b, 0);
  if (head) {
    if (Number(head[1]) !== sum) out.push(`the summary counts ${head[1]} releases, the table of states ${sum}`);
    if (rows.length > 0 && rows.length !== Number(head[1]))
      out.push(`the summary counts ${head[1]} releases and lists ${rows.length}`);
    const attention = rows.filter((r) => r[1] === '👤').length;
    if (rows.length > 0 && attention !== Number(head[2]))
      out.push(`the summary says ${head[2]} need a person and marks ${attention}`);
    const icon = /^## vCluster fleet: discover (⚠️|✅)$/mu.exec(md)?.[1];
    if (Number(head[2]) > 0 !== (icon === '⚠️')) out.push(`the heading shows ${icon} with ${head[2]} needing a person`);
  }
  return out;
}

/** Every contradiction in the run's summary and outputs; empty when it reads true throughout. */
export function contradictions(run: ReadRun): string[] {
  const md = run.summary;
  const out: string[] = [];
  const said = run.outputs['summary-markdown'];
  if (said !== undefined && md.trim() !== '' && said.trim() !== md.trim())
    out.push('the summary-markdown output differs from the job summary');
  if (md.trim() === '') return out;
  if (/^## vCluster fleet: discover/m.test(md)) return [...out, ...fleetContradictions(md)];
  return [...out, ...phaseRunContradictions(md, run.outputs)];
}

const COMMENT_STATUS: Record<string, string> = { 'nothing to do': 'no-op' };

/** The PR comment of a run against its job summary and outputs: the same status, counts, procedure and values. */
export function commentContradictions(comment: string, run: ReadRun): string[] {
  const out: string[] = [];
  const word = /^\| Status \| \*\*(.*)\*\* \|$/m.exec(comment)?.[1];
  const status = word === undefined ? undefined : (COMMENT_STATUS[word] ?? word);
  if (status !== run.outputs.status)
    out.push(`the PR comment says ${word ?? 'no status'}, the run ${run.outputs.status}`);
  for (const [label, name] of [
    ['Keys before', 'keys-before'],
    ['Keys after', 'keys-after'],
  ] as const) {
    const shown = new RegExp(`^\\| ${label} \\| (.*) \\|$`, 'm').exec(comment)?.[1];
    const said = shown === 'not measured' ? '' : shown?.replace(/,/g, '');
    if (said !== (run.outputs[name] ?? ''))
      out.push(`the PR comment says ${label} ${shown}, the output ${run.outputs[name]}`);
  }
  const line = (md: string) => /^Procedure: .*$/m.exec(md)?.[0];
  if (line(comment) !== line(run.summary))
    out.push('the PR comment and the job summary show the procedure differently');
  const named = /values shown under (Values phase (?:one|two))/.exec(comment)?.[1];
  if (named && !foldedLabels(comment).includes(named))
    out.push(`the PR comment's headline points to ${named}, which the comment does not show`);
  const lost = Number(/^\*\*(\d+) groups? lost keys:\*\*$/m.exec(comment)?.[1] ?? 0);
  const lostInSummary = (run.summary.match(/^\| `.*` \| \d+ \| \d+ \| [^|]+ \| \*\*lost\*\* \|$/gm) ?? []).length;
  if (lost !== lostInSummary)
    out.push(`the PR comment counts ${lost} group(s) that lost keys, the summary ${lostInSummary}`);
  return out;
}
