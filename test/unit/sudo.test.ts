// The sudo wrapper and its stdin protocol, end to end through a real dash. sudo itself is not installed on
// this machine, so a small stand-in plays its part (-S -k -H -p PROMPT: print PROMPT on stderr, read one
// password line byte by byte, "Sorry, try again." on a mismatch, up to 3 tries). The e2e lab tests
// real sudo; this pins down our side: when the password is written, what the command sees, what is stripped.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientChannel } from 'ssh2';
import { afterAll, describe, expect, test } from 'vitest';
import { isTransportError, type TransportError } from '../../runner/transport/errors.js';
import { driveChannel } from '../../runner/transport/exec.js';
import { newSudoMarkers, sudoWrap } from '../../runner/transport/sudo.js';
import type { RunOptions, RunResult } from '../../runner/transport/types.js';

const PASSWORD = "s3cr3t 'pw' $(x)";

const binDir = mkdtempSync(join(tmpdir(), 'haforge-sudo-'));
writeFileSync(
  join(binDir, 'sudo'),
  `#!/bin/dash
prompt=
while [ $# -gt 0 ]; do
  case "$1" in
    -S|-k|-H) shift ;;
    -p) prompt=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ -n "$FAKE_SUDO_LECTURE" ] && echo "We trust you have received the usual lecture" >&2
[ -n "$FAKE_SUDO_NOPASSWD" ] && exec "$@"
[ -n "$FAKE_SUDO_NOT_ALLOWED" ] && { echo "tester is not in the sudoers file." >&2; exit 1; }
tries=0
while [ $tries -lt 3 ]; do
  printf '%s' "$prompt" >&2
  IFS= read -r pw || { echo "sudo: no password was provided" >&2; exit 1; }
  [ "$pw" = "$FAKE_SUDO_PASSWORD" ] && exec "$@"
  tries=$((tries + 1))
  echo "Sorry, try again." >&2
done
echo "sudo: 3 incorrect password attempts" >&2
exit 1
`,
);
chmodSync(join(binDir, 'sudo'), 0o755);
afterAll(() => rmSync(binDir, { recursive: true, force: true }));

/** A local child process dressed as the parts of an ssh2 ClientChannel that driveChannel uses. */
function localChannel(command: string, env: Record<string, string>): ClientChannel {
  const child = spawn('/bin/dash', ['-c', command], {
    env: { PATH: `${binDir}:/usr/bin:/bin`, FAKE_SUDO_PASSWORD: PASSWORD, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ch = Object.assign(new EventEmitter(), {
    stderr: child.stderr,
    write: (d: string | Buffer) => child.stdin.write(d),
    end: (d?: string | Buffer) => (d === undefined ? child.stdin.end() : child.stdin.end(d)),
    close: () => child.kill('SIGKILL'),
    signal: () => undefined,
  });
  child.stdin.on('error', () => undefined); // EPIPE when the command exits without reading
  child.stdout.on('data', (b: Buffer) => ch.emit('data', b));
  child.on('close', (code, signal) => ch.emit('close', code, signal));
  return ch as unknown as ClientChannel; // structural stand-in, see above
}

function runWrapped(cmd: string, opts: RunOptions, password: string | undefined, env: Record<string, string> = {}): Promise<RunResult> {
  const markers = newSudoMarkers();
  const channel = localChannel(sudoWrap(cmd, markers), env);
  return driveChannel(channel, opts, { markers, password, user: 'admin', host: 'web1' });
}

async function rejection(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (e) {
    expect(isTransportError(e, 'sudo')).toBe(true);
    return e as TransportError;
  }
  throw new Error('expected a sudo error');
}

describe('sudo wrapper through dash', () => {
  test('password is answered once; stdin goes to the command, not to sudo; prompt is stripped', async () => {
    const res = await runWrapped('cat; echo done >&2; exit 4', { stdin: 'payload\nline2' }, PASSWORD, {
      FAKE_SUDO_LECTURE: '1',
    });
    expect(res).toMatchObject({ stdout: 'payload\nline2', stderr: 'done\n', code: 4 });
    expect(res.stdout + res.stderr).not.toContain(PASSWORD);
  });

  test('the command is passed intact (quotes, $, newlines)', async () => {
    const cmd = `printf '%s|' "it's" '$HOME' "$(echo sub)"\necho`;
    const res = await runWrapped(cmd, {}, PASSWORD);
    expect(res).toMatchObject({ stdout: "it's|$HOME|sub|\n", code: 0, stderr: '' });
  });

  test('NOPASSWD: no prompt, so the password is never written and stdin still reaches the command', async () => {
    const res = await runWrapped('cat', { stdin: 'only this' }, PASSWORD, { FAKE_SUDO_NOPASSWD: '1' });
    expect(res).toMatchObject({ stdout: 'only this', code: 0, stderr: '' });
  });

  test('a wrong password fails after one try with a one-line error', async () => {
    const t0 = performance.now();
    const e = await rejection(runWrapped('echo should-not-run', {}, 'wrong'));
    expect(e.message).toBe('sudo: wrong password for admin on web1');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(String(e.stack)).not.toContain('wrong\n');
  });

  test('a prompt with no configured password fails clearly without writing anything', async () => {
    const e = await rejection(runWrapped('echo nope', { stdin: 'data' }, undefined));
    expect(e.message).toBe('sudo: a password is required for admin on web1 (none configured)');
  });

  test('sudo refusing before any prompt reports its own last line', async () => {
    const e = await rejection(runWrapped('true', {}, PASSWORD, { FAKE_SUDO_NOT_ALLOWED: '1' }));
    expect(e.message).toBe('sudo failed for admin on web1: tester is not in the sudoers file.');
  });

  test('onOutput never sees the prompt or sudo chatter', async () => {
    const chunks: string[] = [];
    const res = await runWrapped('echo out; echo err >&2', { onOutput: (c) => chunks.push(c) }, PASSWORD, {
      FAKE_SUDO_LECTURE: '1',
    });
    expect(res.code).toBe(0);
    expect(chunks.join('')).not.toMatch(/haforge-sudo|lecture/);
    expect(chunks.sort().join('')).toBe('err\nout\n');
  });
});
