// What of a values document the job summary may show: the keys the migration sets, and for the
// rest (the release's own values, which can hold credentials in any shape: env lists, base64,
// auth strings, block scalars) only how many leaves there are and a digest. Pure.
import {
  deletePath,
  getPath,
  MIGRATION_SET_PATHS,
  setPath,
  valuesDigest,
  type Values,
} from '../core/migration/values.ts';

export interface ValuesView {
  label: string;
  /** Only the leaves in MIGRATION_SET_PATHS that the document has. */
  set: Values;
  /** Leaves not shown, and the sha256 of the document without the shown leaves. */
  rest: { leaves: number; digest: string };
  /** The 0600 file that holds the full document. */
  file?: string;
}

function leaves(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, x) => n + leaves(x), 0);
  if (node !== null && typeof node === 'object') return Object.values(node).reduce((n: number, x) => n + leaves(x), 0);
  return 1;
}

/** Drops objects left empty once the shown leaves are taken out, so the count says what is left. */
function prune(node: Values): Values {
  for (const [k, v] of Object.entries(node)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      prune(v as Values);
      if (Object.keys(v).length === 0) delete node[k];
    }
  }
  return node;
}

export function valuesView(label: string, values: Values, file?: string): ValuesView {
  const set: Values = {};
  const rest = structuredClone(values);
  for (const path of MIGRATION_SET_PATHS) {
    const v = getPath(values, path);
    if (v === undefined) continue;
    setPath(set, path, structuredClone(v));
    deletePath(rest, path);
  }
  prune(rest);
  return { label, set, rest: { leaves: leaves(rest), digest: valuesDigest(rest) }, file };
}
