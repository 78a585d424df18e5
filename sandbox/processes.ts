// Long-running child processes of the sandbox (etcd, kube-apiserver, kwok, ...): output goes to a
// log file, never to the console; each one dies with its parent (PR_SET_PDEATHSIG through
// util-linux setpriv, when present) and on SIGINT/SIGTERM of this process, so no test or Ctrl-C
// leaves a cluster behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Immediate SIGKILL (fault tests). */
  kill(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const live = new Set<{ pid: number }>();
let hooked = false;
const hasSetpriv = spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;

function hookSignals(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const p of live) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.once('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      // Re-raise the default behaviour: exit with 128 + signal number.
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

// Processes started elsewhere (sandbox/etcd-process.ts spawns etcd itself) cannot get a parent-death
// signal afterwards, so one watchdog per Node process holds their pids in a file and kills them
// when it gets its own parent-death signal.
const adopted = new Set<{ pid: number }>();
let watchdogFile: string | undefined;

function writeAdopted(): void {
  if (!watchdogFile) return;
  try {
    writeFileSync(watchdogFile, [...adopted].map((a) => a.pid).join('\n') + '\n');
  } catch {
    /* the directory is gone at exit */
  }
}

function ensureWatchdog(): void {
  if (watchdogFile || !hasSetpriv) return;
  const dir = mkdtempSync(join(tmpdir(), 'vem-watchdog-'));
  watchdogFile = join(dir, 'pids');
  writeFileSync(watchdogFile, '');
  const script = `trap 'kill $! 2>/dev/null; xargs -r kill -9 < "$0" 2>/dev/null; rm -rf "$(dirname "$0")"; exit 0' TERM; while :; do sleep 3600 & wait $!; done`;
  const child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', 'bash', '-c', script, watchdogFile], {
    stdio: 'ignore',
    detached: false,
  });
  child.unref();
  // Normal exit: the adopted processes are already killed; the watchdog's trap removes its files.
  process.once('exit', () => {
    try {
      writeFileSync(watchdogFile!, '');
    } catch {
      /* gone */
    }
    try {
      child.kill('SIGTERM');
    } catch {
      /* gone */
    }
  });
}

/**
 * Registers a process started elsewhere (e.g. by sandbox/etcd-process.ts) to be killed on exit,
 * SIGINT and SIGTERM of this process, and by the watchdog if this process is killed outright.
 * Returns the function that forgets it again (call it once the process has stopped).
 */
export function adoptProcess(pid: number): () => void {
  hookSignals();
  ensureWatchdog();
  const entry = { pid };
  live.add(entry);
  adopted.add(entry);
  writeAdopted();
  return () => {
    live.delete(entry);
    adopted.delete(entry);
    writeAdopted();
  };
}

export function startProcess(o: StartOptions): ManagedProcess {
  hookSignals();
  const fd = openSync(o.logFile, 'a');
  // setpriv --pdeathsig makes the kernel kill the child when this process dies, even by SIGKILL.
  const [cmd, args] = hasSetpriv
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', o.command, ...o.args]]
    : [o.command, o.args];
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: o.env ?? process.env, cwd: o.cwd });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${o.name} (${o.command})`);
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(mp);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      running = false;
      live.delete(mp);
      resolve('spawn-error');
    });
  });
  const stop = async (graceMs = 5000): Promise<void> => {
    if (!running) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => {
      if (running) child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(t);
  };
  const mp: ManagedProcess = {
    name: o.name,
    pid: child.pid,
    logFile: o.logFile,
    child,
    exited,
    isRunning: () => running,
    stop,
    kill: async () => {
      if (running) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  live.add(mp);
  return mp;
}

/** The last `lines` lines of a log file, for error messages when a start fails. */
export function logTail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  const text = readFileSync(file, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}

const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A port on 127.0.0.1 for a server started a few seconds later. Taken below the kernel's
 * ephemeral range: a port the kernel handed out (port 0) can meanwhile become the local end of an
 * outgoing connection (kube-apiserver to etcd, ...) and the server's bind then fails.
 */
export async function listenPort(): Promise<number> {
  const high = ephemeralLow() - 1;
  const low = 10_000;
  for (let i = 0; i < 200; i++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port on 127.0.0.1 between ${low} and ${high}`);
}

/** Polls `check` until it returns a truthy value; fails with the process log tail if it exits. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  opts: { timeoutMs?: number; intervalMs?: number; proc?: ManagedProcess } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastErr: unknown;
  for (;;) {
    if (opts.proc && !opts.proc.isRunning()) {
      throw new Error(
        `${opts.proc.name} exited while waiting for ${what}. Last lines of ${opts.proc.logFile}:\n${logTail(opts.proc.logFile)}`,
      );
    }
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      const tail = opts.proc ? `\nLast lines of ${opts.proc.logFile}:\n${logTail(opts.proc.logFile)}` : '';
      const cause = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : '';
      throw new Error(`timed out waiting for ${what}${cause}${tail}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
