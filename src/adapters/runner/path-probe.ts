// What is at a path on the runner, for the inputs that name one (chart, backup-dir, values-dir):
// looked up once while the inputs are checked, before any cluster call.
import { statSync } from 'node:fs';
import type { PathProbe } from '../../core/inputs/input-reader.ts';

export const probePath: PathProbe = (path) => {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch {
    // ENOENT, ENOTDIR (a file on the way) or no permission: nothing helm or the action could use.
    return 'missing';
  }
};
