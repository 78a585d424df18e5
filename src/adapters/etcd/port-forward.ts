// A local 127.0.0.1 listener whose every connection is forwarded to a pod port through the
// Kubernetes API (pods/portforward), as `kubectl port-forward` does. The gRPC client dials the
// listener; HTTP/2 keeps one connection, but reconnects get a fresh forward each.
import { createServer, type Server, type Socket } from 'node:net';
import { PassThrough, Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';

export interface PodPortForward {
  port: number;
  /** The last error the API or the kubelet reported for a forwarded connection, if any. */
  lastError(): string | undefined;
  close(): Promise<void>;
}

interface WsLike {
  close(): void;
  on?(event: string, cb: (...args: unknown[]) => void): void;
  readyState?: number;
}

/** Message of a failed websocket upgrade, e.g. "Unexpected server response: 403". */
export function forwardErrorText(e: unknown): string {
  const err = e as { message?: string; error?: { message?: string } };
  return err?.message ?? err?.error?.message ?? String(e);
}

export function isForbidden(text: string | undefined): boolean {
  return !!text && /\b403\b|forbidden/i.test(text);
}

/**
 * Check once that the API server lets us open a port-forward to the pod (RBAC create on
 * pods/portforward, pod exists and runs). Resolves, or rejects with the API's answer.
 */
export async function probePortForward(kc: KubeConfig, namespace: string, pod: string, port: number): Promise<void> {
  const pf = new PortForward(kc, true);
  const input = new PassThrough();
  const sink = new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
  const ws = (await pf.portForward(namespace, pod, [port], sink, null, input)) as unknown as WsLike;
  input.end();
  ws.close();
}

export async function startPortForward(
  kc: KubeConfig,
  o: { namespace: string; pod: string; port: number },
): Promise<PodPortForward> {
  const pf = new PortForward(kc, true);
  let lastError: string | undefined;
  const open = new Set<{ socket: Socket; ws?: WsLike }>();

  const onConnection = (socket: Socket) => {
    const entry: { socket: Socket; ws?: WsLike } = { socket };
    open.add(entry);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      open.delete(entry);
      entry.ws?.close();
    });
    // Text on the error channel means the kubelet could not reach the port: drop the connection
    // so the client sees it at once instead of waiting for a deadline.
    const errStream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        const text = chunk.toString().trim();
        if (text) {
          lastError = `port-forward to ${o.namespace}/${o.pod}:${o.port}: ${text}`;
          socket.destroy();
        }
        cb();
      },
    });
    pf.portForward(o.namespace, o.pod, [o.port], socket, errStream, socket)
      .then((ws) => {
        const w = ws as unknown as WsLike;
        entry.ws = w;
        if (socket.destroyed) {
          w.close();
          return;
        }
        // The API server ended the stream (pod gone, API restarted): end the local side too.
        w.on?.('close', () => socket.destroy());
        w.on?.('error', (e: unknown) => {
          lastError = `port-forward to ${o.namespace}/${o.pod}:${o.port}: ${forwardErrorText(e)}`;
          socket.destroy();
        });
      })
      .catch((e: unknown) => {
        lastError = `port-forward to ${o.namespace}/${o.pod}:${o.port}: ${forwardErrorText(e)}`;
        socket.destroy();
      });
  };

  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    lastError: () => lastError,
    async close() {
      for (const e of open) {
        e.ws?.close();
        e.socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
