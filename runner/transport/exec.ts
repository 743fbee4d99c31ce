// Drives one exec channel to its end: stdin, streamed output, timeout, and the exit status from the
// channel's `close` (code, signal), which ssh2-promise's exec() loses.
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { RunOptions, RunResult } from './types.js';
import { quote } from './quote.js';
import { SudoGate, type SudoMarkers } from './sudo.js';

/** Present when the command was wrapped with sudoWrap(markers). */
export interface SudoSpec {
  markers: SudoMarkers;
  password?: string;
  user: string;
  host: string;
}

const BACKSTOP_GRACE_MS = 3000;
const ABANDON_AFTER_MS = 2000;

/** Server-side timeout: GNU timeout (coreutils, always on Debian) puts the command in its own process group
 * and signals the whole group, so pipelines and children die too; KILL follows 2 s after TERM. Needed
 * because OpenSSH refuses channel signals for root logins. Exit 124/137 after timeoutMs = timed out. */
export function withRemoteTimeout(command: string, timeoutMs: number): string {
  const secs = Math.max(timeoutMs, 1) / 1000;
  return `timeout -k 2 ${secs} sh -c ${quote(command)}`;
}

export function driveChannel(channel: ClientChannel, opts: RunOptions, sudo?: SudoSpec): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const outDec = new StringDecoder('utf8');
    const errDec = new StringDecoder('utf8');
    let interrupted: RunResult['interrupted'];

    // A throwing progress callback must not crash the process from inside a stream event.
    const report = (text: string, stream: 'stdout' | 'stderr') => {
      if (!text || !opts.onOutput) return;
      try {
        opts.onOutput(text, stream);
      } catch {
        /* progress only */
      }
    };
    const emitOut = (b: Buffer) => {
      out.push(b);
      if (opts.onOutput) report(outDec.write(b), 'stdout');
    };
    const emitErr = (b: Buffer) => {
      if (b.length === 0) return;
      err.push(b);
      if (opts.onOutput) report(errDec.write(b), 'stderr');
    };
    const writeInput = () => {
      if (opts.stdin !== undefined && opts.stdin.length > 0) channel.end(opts.stdin);
      else channel.end(); // EOF, so a command reading stdin does not hang
    };

    const gate = sudo
      ? new SudoGate(sudo.markers, sudo.password, sudo, {
          sendPassword: (line) => channel.write(line),
          giveUp: () => channel.end(),
          started: (rest) => {
            emitErr(rest);
            writeInput();
          },
        })
      : undefined;

    channel.on('data', emitOut);
    channel.stderr.on('data', (b: Buffer) => (gate && !gate.isStarted ? gate.feed(b) : emitErr(b)));
    // ssh2 emits the close that follows anyway; an unhandled 'error' would crash the process.
    channel.on('error', () => undefined);

    // The remote side enforces timeoutMs itself (see withRemoteTimeout). This client timer is the backstop
    // for when that cannot work (sudo waiting, host hung): signal + close the channel, and if the server
    // still says nothing, give up on the channel so the caller is not stuck.
    const started = Date.now();
    let settled = false;
    let backstop: NodeJS.Timeout | undefined;
    let abandon: NodeJS.Timeout | undefined;
    if (opts.timeoutMs !== undefined) {
      backstop = setTimeout(() => {
        interrupted = 'timeout';
        try {
          // Honoured by OpenSSH for non-root logins only ("session signalling requires privilege separation").
          sendSignal(channel, 'KILL');
        } catch {
          /* channel already gone */
        }
        channel.close();
        abandon = setTimeout(() => finish(null, null), ABANDON_AFTER_MS);
      }, opts.timeoutMs + BACKSTOP_GRACE_MS);
    }

    const finish = (code: number | null | undefined, signal: string | null | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(backstop);
      clearTimeout(abandon);
      const timedOutRemotely =
        opts.timeoutMs !== undefined && Date.now() - started >= opts.timeoutMs && (code === 124 || code === 137);
      if (timedOutRemotely) interrupted = 'timeout';
      if (gate && !gate.isStarted && !interrupted) {
        reject(gate.notStartedError());
        return;
      }
      // OpenSSH always sends exit-status or exit-signal; neither means the connection went away.
      if (!interrupted && code == null && signal == null) interrupted = 'disconnected';
      report(outDec.end(), 'stdout');
      report(errDec.end(), 'stderr');
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: interrupted ? null : (code ?? null),
        signal: signal ?? null,
        ...(interrupted ? { interrupted } : {}),
      });
    };
    channel.on('close', finish);

    if (!gate) writeInput();
  });
}

/** ssh2's ClientChannel.signal() does nothing once stdin got EOF (we send EOF right after the input), yet
 * SSH allows signal requests until the channel closes; so go through its protocol object. Internal
 * fields, hence the structural cast; if they are missing we fall back to closing the channel only. */
function sendSignal(channel: ClientChannel, name: string): void {
  const c = channel as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, signal: string): void } };
  };
  const out = c.outgoing;
  if (out && (out.state === 'open' || out.state === 'eof')) c._client?._protocol?.signal(out.id, name);
}
