// Running a command as root through sudo with the password on stdin, never in argv or the environment.
//
// The wrapped command is `sudo -S -k -p PROMPT -- sh -c 'printf STARTED >&2; exec sh -c "$1"' haforge CMD`:
// - `-k` ignores a cached sudo timestamp, so sudo behaves the same on every run;
// - we write the password only after PROMPT shows on stderr (a NOPASSWD rule shows none, and blindly
//   written password would become the command's stdin);
// - a second PROMPT means the password was wrong: we send EOF so sudo stops after one try;
// - the caller's stdin is written only after STARTED, i.e. once the command really runs as root;
// - everything sudo printed before STARTED (prompt, "Sorry, try again.", lecture) is dropped from stderr.
import { randomBytes } from 'node:crypto';
import { TransportError } from './errors.js';
import { quote } from './quote.js';

export interface SudoMarkers {
  prompt: string;
  started: string;
}

export function newSudoMarkers(): SudoMarkers {
  // No `%`: sudo expands %-escapes in -p prompts.
  const id = randomBytes(8).toString('hex');
  return { prompt: `[haforge-sudo-prompt-${id}]`, started: `[haforge-sudo-started-${id}]` };
}

export function sudoWrap(command: string, m: SudoMarkers): string {
  const inner = `printf '%s\\n' ${quote(m.started)} >&2; exec sh -c "$1"`;
  return `sudo -S -k -H -p ${quote(m.prompt)} -- sh -c ${quote(inner)} haforge ${quote(command)}`;
}

export interface SudoGateActions {
  /** Write the password line to the channel's stdin. */
  sendPassword(line: string): void;
  /** Send EOF so sudo gives up (wrong or missing password). */
  giveUp(): void;
  /** The command runs as root; `rest` is stderr the command already wrote after the marker. */
  started(rest: Buffer): void;
}

/** Watches stderr until the command starts, answering sudo's prompt once. */
export class SudoGate {
  private pre = Buffer.alloc(0);
  private promptsSeen = 0;
  private readonly promptBuf: Buffer;
  private readonly startedBuf: Buffer;
  isStarted = false;
  failure?: TransportError;

  constructor(
    markers: SudoMarkers,
    private readonly password: string | undefined,
    private readonly who: { user: string; host: string },
    private readonly actions: SudoGateActions,
  ) {
    this.promptBuf = Buffer.from(markers.prompt);
    this.startedBuf = Buffer.from(`${markers.started}\n`);
  }

  feed(chunk: Buffer): void {
    if (this.isStarted) throw new Error('SudoGate.feed after start');
    this.pre = Buffer.concat([this.pre, chunk]);

    const prompts = countOccurrences(this.pre, this.promptBuf);
    for (; this.promptsSeen < prompts; this.promptsSeen++) this.onPrompt(this.promptsSeen + 1);

    const at = this.pre.indexOf(this.startedBuf);
    if (at >= 0) {
      this.isStarted = true;
      const rest = this.pre.subarray(at + this.startedBuf.length);
      this.pre = Buffer.alloc(0);
      this.actions.started(rest);
    }
  }

  private onPrompt(n: number): void {
    if (this.failure) return;
    const { user, host } = this.who;
    if (n === 1 && this.password !== undefined) {
      this.actions.sendPassword(`${this.password}\n`);
      return;
    }
    this.failure =
      n === 1
        ? new TransportError('sudo', `sudo: a password is required for ${user} on ${host} (none configured)`)
        : new TransportError('sudo', `sudo: wrong password for ${user} on ${host}`);
    this.actions.giveUp();
  }

  /** Why the command never started, once the channel closed without STARTED. */
  notStartedError(): TransportError {
    if (this.failure) return this.failure;
    const said = this.pre
      .toString('utf8')
      .split(this.promptBuf.toString())
      .join('')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const why = said.length > 0 ? said[said.length - 1] : 'no output';
    return new TransportError('sudo', `sudo failed for ${this.who.user} on ${this.who.host}: ${why}`);
  }
}

function countOccurrences(hay: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length)) n++;
  return n;
}
