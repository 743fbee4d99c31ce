// `haforge keeper stop` (close the kept SSH connections now), and `haforge keeper serve`, the keeper itself,
// which haforge starts in the background for --keep-connections (not meant to be typed).
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { connect } from '../transport/index.js';
import { serveKeeper } from '../transport/keeper/server.js';
import { stopKeeper } from '../transport/keeper/client.js';
import { keeperSocketPath } from '../transport/keeper/socket-path.js';
import { backgroundEnv, haforgeBin } from '../self.js';

/** Starts `haforge keeper serve` detached: it outlives this run by idleS seconds. */
export function startKeeper(socketPath: string, idleS: number): void {
  const bin = haforgeBin();
  if (!bin) return; // the caller then connects directly
  const child = spawn(process.execPath, [bin, 'keeper', 'serve', '--socket', socketPath, '--idle', String(idleS)], {
    detached: true,
    stdio: 'ignore',
    env: backgroundEnv(),
  });
  child.on('error', () => undefined);
  child.unref();
}

export async function keeperCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const err = (s: string) => process.stderr.write(`haforge keeper: ${s}\n`);
  if (sub === 'stop' && rest.length === 0) {
    const stopped = await stopKeeper(keeperSocketPath());
    process.stdout.write(stopped ? 'kept connections closed\n' : 'no connection keeper was running\n');
    return 0;
  }
  if (sub === 'serve') {
    const { values } = parseArgs({ args: rest, options: { socket: { type: 'string' }, idle: { type: 'string' } }, strict: true });
    const idleS = Number(values.idle);
    if (!values.socket || !Number.isInteger(idleS) || idleS < 1) {
      err('serve needs --socket PATH and --idle SECONDS');
      return 2;
    }
    await serveKeeper({ socketPath: values.socket, idleS, connect, handleSignals: true });
    return 0;
  }
  err('usage: haforge keeper stop   (closes the SSH connections kept by --keep-connections; haforge help keeper)');
  return 2;
}
