// The migration procedure as a Mermaid flowchart for the job summary and the PR comment: one box
// per stage, each marked done, current, refused, failed or still to come, with the time its steps
// took; a refusal or failure adds a box that says where it stopped and why. The stages' states come
// from the report's step list, so a phase with steps of its own (such as abort) shows them as boxes.
import type { RunReport, StepRecord } from './report.ts';

export type StageState = 'done' | 'earlier' | 'current' | 'refused' | 'failed' | 'todo' | 'skipped' | 'optional';

export interface Stage {
  label: string;
  state: StageState;
  ms: number;
  /** The step a refusal or failure stopped in. */
  stoppedIn?: string;
}

/** The stages of the procedure, the phase that runs each, and which step names belong to it. */
const PROCEDURE: { label: string; phase: string; steps: RegExp }[] = [
  { label: 'plan', phase: 'plan', steps: /./ },
  { label: 'backup', phase: 'migrate', steps: /^backup/ },
  { label: 'phase one', phase: 'migrate', steps: /\(phase one\)|interrupted phase one/ },
  { label: 'success line', phase: 'migrate', steps: /success log line/ },
  { label: 'census', phase: 'migrate', steps: /^census of both/ },
  { label: 'approval', phase: 'finalize', steps: /^approval$/ },
  { label: 'phase two', phase: 'finalize', steps: /\(phase two\)|interrupted phase two/ },
  { label: 'removal', phase: 'finalize', steps: /deployed etcd is gone|deployed etcd PVCs/ },
];
const ORDER = ['plan', 'migrate', 'finalize'];

const STOPPED = new Set(['failed', 'refused']);

/** Which stage of `stages` each step belongs to: its own by name, else the stage of the next step that has one. */
function assign(steps: StepRecord[], stages: { label: string; steps: RegExp }[]): number[] {
  const own = steps.map((s) => stages.findIndex((st) => st.steps.test(s.name)));
  const out = [...own];
  // Steps after the last stage of their own: the run stopped before the next stage began.
  const lastOwn = Math.max(-1, ...own);
  let next = Math.min(lastOwn + 1, stages.length - 1);
  for (let i = own.length - 1; i >= 0; i--) {
    if (own[i]! >= 0) next = own[i]!;
    // A step before any stage of its own (preflight, a census) counts to the stage it prepares.
    else out[i] = next;
  }
  return out;
}

function stateOf(steps: StepRecord[]): StageState {
  if (steps.some((s) => s.state === 'failed')) return 'failed';
  if (steps.some((s) => s.state === 'refused')) return 'refused';
  return steps.every((s) => s.state === 'skipped') ? 'skipped' : 'done';
}

/** The stages of a run of one of the procedure's phases. */
function procedureStages(r: RunReport): Stage[] {
  const mine = PROCEDURE.filter((p) => p.phase === r.phase);
  const at = assign(r.steps, mine);
  const stages: Stage[] = PROCEDURE.map((p) => ({
    label: p.label,
    state: ORDER.indexOf(p.phase) < ORDER.indexOf(r.phase) ? 'earlier' : 'todo',
    ms: 0,
  }));
  // plan is optional before migrate: whether one ran is not something this run knows.
  if (r.phase !== 'plan') stages[0]!.state = 'optional';
  const offset = PROCEDURE.indexOf(mine[0]!);
  mine.forEach((_, k) => {
    const own = r.steps.filter((_, i) => at[i] === k);
    if (own.length === 0) return;
    const stage = stages[offset + k]!;
    stage.state = stateOf(own);
    stage.ms = own.reduce((n, s) => n + s.ms, 0);
    stage.stoppedIn = own.find((s) => STOPPED.has(s.state))?.name;
  });
  markStop(r, stages.slice(offset, offset + mine.length));
  // After a phase that went through, the next stage is where the migration stands.
  if (!stages.some((s) => STOPPED.has(s.state))) {
    const next = stages.findIndex((s, i) => i > offset && s.state === 'todo');
    if (next >= 0 && r.status !== 'no-op') stages[next]!.state = 'current';
  }
  return stages;
}

/**
 * A run that stopped outside a step (a check after the step, a preflight refusal): the stage it
 * stood in carries the run's status.
 */
function markStop(r: RunReport, mine: Stage[]): void {
  if (!STOPPED.has(r.status) || mine.some((s) => STOPPED.has(s.state))) return;
  const last = [...mine].reverse().find((s) => s.state === 'done' || s.state === 'skipped') ?? mine[0];
  if (!last) return;
  last.state = r.status as StageState;
  last.stoppedIn = r.steps.at(-1)?.name;
}

/** Any other phase (abort): one stage per step of its own, in the order it ran them. */
function stepStages(r: RunReport): Stage[] {
  const stages: Stage[] = r.steps.map((s) => ({
    label: s.name,
    state: s.state === 'ok' ? 'done' : s.state,
    ms: s.ms,
    stoppedIn: STOPPED.has(s.state) ? s.name : undefined,
  }));
  if (STOPPED.has(r.status) && !stages.some((s) => STOPPED.has(s.state)) && stages.length > 0)
    stages.at(-1)!.state = r.status as StageState;
  return stages;
}

/** The stages of the run's diagram; none for a phase that does not move the migration (status). */
export function diagramStages(r: RunReport): Stage[] {
  // status reads, and a no-op changes nothing: neither moves the procedure.
  if (r.phase === 'status' || r.status === 'no-op') return [];
  return ORDER.includes(r.phase) ? procedureStages(r) : stepStages(r);
}

const MARK: Record<StageState, string> = {
  done: '✅ done',
  earlier: '✅ done earlier',
  current: '⏳ current',
  refused: '⛔ refused',
  failed: '❌ failed',
  todo: '◻️ to do',
  skipped: '⏭️ skipped',
  optional: '◻️ optional',
};

/** Text inside a quoted Mermaid label: no quote, bracket, HTML or fence can end it or become markup. */
export function mermaidText(text: string, max = 200): string {
  const one = text.replace(/\s+/g, ' ').trim();
  const cut = one.length > max ? `${one.slice(0, max - 1)}…` : one;
  return cut.replace(/[^\p{L}\p{N}\p{Extended_Pictographic}\uFE0F .,:;/()'?+=_@-]/gu, (c) => `#${c.codePointAt(0)};`);
}

/** Words wrapped into lines of about `width` characters, joined by Mermaid's line break. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + word.length < width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines.join('<br/>');
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

const CLASSES = [
  'classDef done fill:#dafbe1,stroke:#1a7f37,color:#0d1117',
  'classDef earlier fill:#dafbe1,stroke:#1a7f37,color:#0d1117,stroke-dasharray:4 3',
  'classDef current fill:#fff8c5,stroke:#9a6700,color:#0d1117,stroke-width:3px',
  'classDef refused fill:#ffebe9,stroke:#cf222e,color:#0d1117,stroke-width:3px',
  'classDef failed fill:#ffebe9,stroke:#cf222e,color:#0d1117,stroke-width:3px',
  'classDef todo fill:#f6f8fa,stroke:#8c959f,color:#57606a',
  'classDef skipped fill:#f6f8fa,stroke:#8c959f,color:#57606a,stroke-dasharray:4 3',
  'classDef optional fill:#f6f8fa,stroke:#8c959f,color:#57606a,stroke-dasharray:4 3',
  'classDef stop fill:#ffffff,stroke:#cf222e,color:#cf222e',
];

/**
 * The diagram as a fenced Mermaid block ('' when the run has none). Its accessible title and
 * description say the same in words; the summary's text says it again for a reader without pictures.
 */
export function renderProcedureDiagram(r: RunReport): string {
  const stages = diagramStages(r);
  if (stages.length === 0) return '';
  const lines = ['```mermaid', 'flowchart LR'];
  const where = stages.find((s) => STOPPED.has(s.state)) ?? stages.find((s) => s.state === 'current');
  lines.push(`  accTitle: vCluster etcd migration, ${mermaidText(r.phase)} ${mermaidText(r.status)}`);
  lines.push(
    `  accDescr: ${stages.map((s) => `${mermaidText(s.label, 60)} ${s.state}`).join(', ')}${where ? `; it stands at ${mermaidText(where.label, 60)}` : ''}`,
  );
  stages.forEach((s, i) => {
    const time = s.state === 'done' || STOPPED.has(s.state) ? ` · ${secs(s.ms)}` : '';
    lines.push(`  s${i}["${wrap(mermaidText(s.label, 60), 24)}<br/>${MARK[s.state]}${time}"]:::${s.state}`);
  });
  if (stages.length > 1) lines.push(`  ${stages.map((_, i) => `s${i}`).join(' --> ')}`);
  const stop = stages.findIndex((s) => STOPPED.has(s.state));
  if (stop >= 0) {
    const s = stages[stop]!;
    const at = s.stoppedIn && s.stoppedIn !== s.label ? ` at step ${s.stoppedIn}` : '';
    lines.push(
      `  stop["${wrap(mermaidText(`${MARK[s.state]}${at}: ${r.headline}`), 48)}"]:::stop`,
      `  s${stop} -.- stop`,
    );
  }
  lines.push(...CLASSES.map((c) => `  ${c}`), '```');
  return lines.join('\n');
}

/** One line in words of what the diagram shows, for screen readers and chat notifications. */
export function procedureLine(r: RunReport): string {
  const stages = diagramStages(r);
  if (stages.length === 0) return '';
  return `Procedure: ${stages.map((s) => `${s.label} ${MARK[s.state].replace(/^\S+ /, '')}`).join(' → ')}.`;
}
