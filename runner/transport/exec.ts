// Drives one exec channel to its end: stdin, streamed output, timeout, and the exit status from the
// channel's `close` (code, signal), which ssh2-promise's exec() loses.
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import type { RunOptions, RunResult } from './types.js';
import { SudoGate, type SudoMarkers } from './sudo.js';

/** Present when the command was wrapped with sudoWrap(markers). */
export interface SudoSpec {
  markers: SudoMarkers;
  password?: string;
  user: string;
  host: string;
}

export function driveChannel(channel: ClientChannel, opts: RunOptions, sudo?: SudoSpec): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const outDec = new StringDecoder('utf8');
    const errDec = new StringDecoder('utf8');
    let interrupted: RunResult['interrupted'];

    const emitOut = (b: Buffer) => {
      out.push(b);
      if (opts.onOutput) {
        const s = outDec.write(b);
        if (s) opts.onOutput(s, 'stdout');
      }
    };
    const emitErr = (b: Buffer) => {
      if (b.length === 0) return;
      err.push(b);
      if (opts.onOutput) {
        const s = errDec.write(b);
        if (s) opts.onOutput(s, 'stderr');
      }
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

    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        interrupted = 'timeout';
        // KILL reaches the remote shell (OpenSSH >= 7.9 honours signal requests); closing the channel
        // also drops the command's pipes for anything it spawned.
        try {
          channel.signal('KILL');
        } catch {
          /* channel already gone */
        }
        channel.close();
      }, opts.timeoutMs);
    }

    channel.on('close', (code: number | null | undefined, signal: string | null | undefined) => {
      if (timer) clearTimeout(timer);
      if (gate && !gate.isStarted && !interrupted) {
        reject(gate.notStartedError());
        return;
      }
      // OpenSSH always sends exit-status or exit-signal; neither means the connection went away.
      if (!interrupted && code == null && signal == null) interrupted = 'disconnected';
      const tailOut = outDec.end();
      const tailErr = errDec.end();
      if (opts.onOutput && tailOut) opts.onOutput(tailOut, 'stdout');
      if (opts.onOutput && tailErr) opts.onOutput(tailErr, 'stderr');
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code: interrupted ? null : (code ?? null),
        signal: signal ?? null,
        ...(interrupted ? { interrupted } : {}),
      });
    });

    if (!gate) writeInput();
  });
}
