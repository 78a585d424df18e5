// Reads vCluster's control-plane log for phase one's gate: the line that says the copy succeeded,
// or a line that says it failed. Pure: the log gate fetches the text.
import type { PodView } from './cluster-view.ts';

export const SUCCESS_LINE = 'Successfully migrated etcd database to embedded etcd';
const FAILURE = [
  /(fail|error)[^\n]{0,80}migrat/i,
  /migrat[^\n]{0,80}(fail|error)/i,
  /^panic:/,
  /\bfatal\b[^\n]{0,80}etcd/i,
];

export interface LogScan {
  success?: string;
  failure?: string;
}

/** The success line wins over failure lines before it (vCluster retries inside one container). */
export function scanLog(text: string): LogScan {
  let failure: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.includes(SUCCESS_LINE)) return { success: line.slice(0, 500) };
    if (FAILURE.some((re) => re.test(line))) failure = line.slice(0, 500);
  }
  return failure ? { failure } : {};
}

export function lastLines(text: string, n: number): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(-n)
    .map((l) => l.slice(0, 300));
}

/**
 * True when `pod` is not the control-plane pod phase one's `helm upgrade --wait` ended with
 * (`copyPodUid`, from the state record). That pod runs the copy and logs the line; another one
 * replaced it (eviction, node drain, deletion), and its predecessor's log went with it.
 */
export function replacedSinceUpgrade(pod: Pick<PodView, 'uid'>, copyPodUid: string | undefined): boolean {
  return copyPodUid !== undefined && pod.uid !== '' && pod.uid !== copyPodUid;
}
