// What haforge and its connection keeper say to each other over the keeper's Unix socket: one JSON document
// per line, byte payloads in base64. Replies carry the id of their request; a run may send chunks first.
import type { Socket } from 'node:net';
import type { ConnectOptions, RunResult, UploadOptions } from '../types.js';
import type { TransportErrorKind } from '../errors.js';

/** Connect options as they travel: everything but the prompt callback (a kept connection never asks). */
export type KeptConnectOptions = Omit<ConnectOptions, 'askHostKey'>;

export type Request =
  | { id: number; op: 'open'; opts: KeptConnectOptions }
  | { id: number; op: 'run'; handle: string; cmd: string; stdin?: string; sudo?: boolean; timeoutMs?: number; stream?: boolean }
  | { id: number; op: 'upload'; handle: string; path: string; content: string; opts: UploadOptions }
  | { id: number; op: 'exit' };

export interface WireError {
  kind: TransportErrorKind | 'other';
  message: string;
  code?: string;
}

export type Reply =
  | { id: number; ok: true; handle?: string; isRoot?: boolean; reused?: boolean; result?: RunResult }
  | { id: number; ok: false; error: WireError }
  | { id: number; chunk: string; stream: 'stdout' | 'stderr' };

export type OkReply = Extract<Reply, { ok: true }>;

export function send(socket: Socket, message: Request | Reply): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}

/** Calls onMessage with each whole line's document; a line that is not JSON ends the connection. */
export function onMessages<T>(socket: Socket, onMessage: (m: T) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let m: T;
      try {
        m = JSON.parse(line) as T;
      } catch {
        socket.destroy();
        return;
      }
      onMessage(m);
    }
  });
}
