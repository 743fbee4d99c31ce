// A real terminal for tests: a tmux server on a socket of its own (never the user's), one detached session
// running a command, keys sent as a person types them, the screen read back. Secrets are typed through a tmux
// paste buffer loaded from stdin, so they never appear on a command line (tmux's own argv included).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export interface Terminal {
  socket: string;
  /** Types text literally (no key names). */
  type(text: string): Promise<void>;
  /** Named keys: Enter, Down, BSpace, C-c, ... */
  keys(...keys: string[]): Promise<void>;
  /** Types a secret through a paste buffer (stdin of `tmux load-buffer -`), then deletes the buffer. */
  typeSecret(text: string): Promise<void>;
  /** The whole scrollback and screen, wrapped lines joined, trailing blanks dropped; escapes: with colour codes. */
  screen(o?: { escapes?: boolean }): Promise<string>;
  /** Waits until the screen matches; returns the screen. Throws with the screen after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Kills this tmux server (and so the command). */
  kill(): Promise<void>;
}

export interface TerminalOptions {
  /** The shell command to run in the pane; its exit status is printed as `EXIT=<code>` when it ends. */
  command: string;
  cwd: string;
  env: Record<string, string>;
  width?: number;
  height?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function openTerminal(o: TerminalOptions): Promise<Terminal> {
  const socket = `haforge-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const tmux = (args: string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn('tmux', ['-L', socket, ...args], { env: o.env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`tmux ${args[0]}: exit ${String(code)} ${err.trim()}`))));
      if (input !== undefined) {
        child.stdin!.on('error', () => undefined); // tmux may exit before reading all of it; its exit code says
        child.stdin!.end(input);
      }
    });
  // -f /dev/null: no user config; history large enough for a whole run.
  await tmux([
    '-f', '/dev/null', 'start-server', ';', 'set-option', '-g', 'history-limit', '50000', ';',
    'new-session', '-d', '-x', String(o.width ?? 200), '-y', String(o.height ?? 50), '-c', o.cwd,
    `${o.command}; echo "EXIT=$?"; sleep 3600`,
  ]);
  const term: Terminal = {
    socket,
    async type(text) {
      await tmux(['send-keys', '-l', text]);
      await sleep(60);
    },
    async keys(...keys) {
      for (const k of keys) {
        await tmux(['send-keys', k]);
        await sleep(60);
      }
    },
    async typeSecret(text) {
      await tmux(['load-buffer', '-b', 'secret', '-'], text);
      await tmux(['paste-buffer', '-d', '-b', 'secret']);
      await sleep(60);
    },
    async screen(so = {}) {
      const out = await tmux(['capture-pane', '-p', '-J', ...(so.escapes ? ['-e'] : []), '-S', '-']);
      return out.replace(/\s+$/, '');
    },
    async waitFor(pattern, timeoutMs = 30_000) {
      const t0 = Date.now();
      let s = '';
      while (Date.now() - t0 < timeoutMs) {
        s = await term.screen();
        if (pattern.test(s)) return s;
        await sleep(150);
      }
      throw new Error(`terminal: no ${String(pattern)} after ${timeoutMs} ms; screen:\n${s.split('\n').slice(-40).join('\n')}`);
    },
    async kill() {
      // tmux leaves its socket file behind when the server is killed: remove ours too.
      const path = (await tmux(['display-message', '-p', '#{socket_path}']).catch(() => '')).trim();
      await execFileP('tmux', ['-L', socket, 'kill-server']).catch(() => undefined);
      if (path.endsWith(`/${socket}`)) await rm(path, { force: true });
    },
  };
  return term;
}

/** The environment for a program in the terminal: PATH, HOME, TERM, LANG and what is given; no CI, no HAFORGE_*. */
export function terminalEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    ...extra,
  };
}
