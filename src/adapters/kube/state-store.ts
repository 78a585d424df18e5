// Keeps the state record in ConfigMap <release>-etcd-migration with optimistic concurrency:
// every write names the resourceVersion it read, so two runs can never both advance the
// same migration. A run holds a lock it renews; writes are serialised in this process.
import type { Kube } from './kube.ts';
import { deniedApiError, describeError, retryTransient, statusOf, transientApiError } from './api-retry.ts';
import {
  STATE_KEY,
  decideLock,
  emptyState,
  lockedBy,
  parseState,
  stateConfigMapName,
  unlocked,
  withEvent,
  LOCK_RENEW_MS,
  type Lock,
  type StateRecord,
} from '../../core/migration/state.ts';

/** How long a state write keeps trying through an API outage (a 403 then is RBAC not loaded yet). */
const WRITE_RETRY_MS = 60_000;
/** How many times a write that lost to another writer (HTTP 409) reads again and tries again. */
const WRITE_ATTEMPTS = 5;

export class LockHeldError extends Error {
  override name = 'LockHeldError';
  readonly holder: Lock;
  constructor(holder: Lock, release: string) {
    super(
      `another run (${holder.runId}, phase ${holder.phase}) holds the migration lock of ${release} since ${holder.acquiredAt}, renewed ${holder.renewedAt}; this run stopped without changing anything. Wait for it to finish, or, if it died, run again after 90 seconds`,
    );
    this.holder = holder;
  }
}

/** This run held the lock and lost it: another run took it over, or renewing it failed. */
export class LockLostError extends Error {
  override name = 'LockLostError';
  readonly holder?: Lock;
  constructor(release: string, holder: Lock | undefined, cause?: unknown) {
    super(
      holder
        ? `the migration lock of ${release} was taken over by run ${holder.runId} (phase ${holder.phase}, since ${holder.acquiredAt}); this run stopped and changes nothing more`
        : `the migration lock of ${release} could not be renewed: the Kubernetes API server did not accept the write (${describeError(cause)}); another run may take it over, so this run stopped and changes nothing more`,
    );
    this.holder = holder;
  }
}

/** The ConfigMap calls the store makes (Kube has them; the phase tests give an in-memory one). */
export type ConfigMapApi = Pick<Kube, 'configMap' | 'createConfigMap' | 'replaceConfigMap'>;

export class StateStore {
  private resourceVersion?: string;
  /** Set while this run holds the lock, and the phase it holds it for. */
  private held = false;
  private lockPhase = '';
  /** Why the lock is no longer this run's; every later step and write stops on it. */
  private lost?: LockLostError;
  private current: StateRecord;
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  readonly name: string;

  private readonly kube: ConfigMapApi;
  private readonly namespace: string;
  private readonly release: string;
  private readonly runId: string;
  private readonly now: () => Date;

  constructor(
    kube: ConfigMapApi,
    namespace: string,
    release: string,
    runId: string,
    now: () => Date = () => new Date(),
  ) {
    this.kube = kube;
    this.namespace = namespace;
    this.release = release;
    this.runId = runId;
    this.now = now;
    this.name = stateConfigMapName(release);
    this.current = emptyState(release, namespace);
  }

  get state(): StateRecord {
    return this.current;
  }

  async load(): Promise<StateRecord> {
    const cm = await this.kube.configMap(this.namespace, this.name);
    this.resourceVersion = cm?.metadata?.resourceVersion;
    const text = cm?.data?.[STATE_KEY];
    this.current = text ? parseState(text, this.release, this.namespace) : emptyState(this.release, this.namespace);
    return this.current;
  }

  /** Takes the lock (or throws LockHeldError) and renews it until unlock(). */
  async lock(phase: string): Promise<{ tookOverFrom?: Lock }> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      // Read afresh each time: a write that lost to another run's decides again on what it wrote.
      await this.load();
      const d = decideLock(this.current, this.runId, this.now());
      if (!d.take) throw new LockHeldError(d.holder, this.release);
      const event = d.takeover
        ? `lock taken over from run ${d.takeover.runId}, which stopped renewing it`
        : `lock taken for ${phase}`;
      try {
        await this.write(
          withEvent(lockedBy(this.current, this.runId, phase, this.now()), this.runId, event, this.now()),
        );
      } catch (e) {
        if (e instanceof ConflictError) continue;
        throw e;
      }
      this.held = true;
      this.lockPhase = phase;
      this.timer = setInterval(() => void this.renew(phase), LOCK_RENEW_MS);
      this.timer.unref();
      return { tookOverFrom: d.takeover };
    }
    throw this.keptChanging();
  }

  /** Renews the lock once. A failure is kept: the run stops at its next step (assertHeld). */
  async renew(phase: string): Promise<void> {
    if (!this.held || this.lost) return;
    try {
      await this.update((s) => lockedBy(s, this.runId, phase, this.now()));
    } catch (e) {
      this.lost ??= e instanceof LockLostError ? e : new LockLostError(this.release, undefined, e);
    }
  }

  /** Throws when this run held the lock and lost it; a no-op for runs that never took it. */
  assertHeld(): void {
    if (this.lost) throw this.lost;
  }

  /**
   * Before a step: a renewal that failed without naming another holder (an API outage longer than
   * the write retries) is tried once more; the run goes on only when the lock is still its own.
   */
  async ensureHeld(): Promise<void> {
    if (this.lost && !this.lost.holder) {
      this.lost = undefined;
      await this.renew(this.lockPhase);
    }
    this.assertHeld();
  }

  async unlock(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.lost) return; // the lock is another run's now
    await this.update((s) => unlocked(s, this.runId));
    this.held = false;
  }

  /** Read-modify-write; on a conflict it re-reads and retries while this run still holds the lock. */
  async update(fn: (s: StateRecord) => StateRecord, event?: string): Promise<StateRecord> {
    const run = async (): Promise<StateRecord> => {
      this.assertHeld();
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        let next = fn(this.current);
        if (event) next = withEvent(next, this.runId, event, this.now());
        try {
          await this.write(next);
          return this.current;
        } catch (e) {
          if (!(e instanceof ConflictError)) throw e;
          await this.load();
          const other = this.current.lock && this.current.lock.runId !== this.runId ? this.current.lock : undefined;
          if (other && this.held) throw (this.lost ??= new LockLostError(this.release, other));
          if (other) throw new LockHeldError(other, this.release);
        }
      }
      throw this.keptChanging();
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private keptChanging(): Error {
    return new Error(
      `could not write ConfigMap ${this.name} in ${this.namespace}: it changed under this run ${WRITE_ATTEMPTS} times in a row, so something else writes it. This run changed nothing more; find the writer (kubectl -n ${this.namespace} get configmap ${this.name} -o yaml shows managedFields), stop it, then run the phase again`,
    );
  }

  private async write(next: StateRecord): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        resourceVersion: this.resourceVersion,
        labels: { 'app.kubernetes.io/managed-by': 'vcluster-etcd-migrate', 'app.kubernetes.io/instance': this.release },
      },
      data: { [STATE_KEY]: JSON.stringify(next, null, 1) },
    };
    try {
      // An API server restart must not cost the record (or leave the lock held until it is stale).
      const cm = await retryTransient(
        () =>
          this.resourceVersion
            ? this.kube.replaceConfigMap(this.namespace, body)
            : this.kube.createConfigMap(this.namespace, {
                ...body,
                metadata: { ...body.metadata, resourceVersion: undefined },
              }),
        WRITE_RETRY_MS,
        undefined,
        (e) => transientApiError(e) || deniedApiError(e),
      );
      this.resourceVersion = cm.metadata?.resourceVersion;
      this.current = next;
    } catch (e) {
      if (statusOf(e) === 409) throw new ConflictError(`ConfigMap ${this.name} changed since this run read it`);
      throw e;
    }
  }
}

class ConflictError extends Error {
  override name = 'ConflictError';
}
