// A jump host list as ProxyJump and `ssh.jump` take it: `[user@]host[:port]` hops separated by commas (or
// `ssh://[user@]host[:port]`), the first hop first.
export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

const HOP = /^(?:ssh:\/\/)?(?:([A-Za-z0-9._][A-Za-z0-9._-]{0,31})@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]{1,253})(?::(\d{1,5}))?$/;

/** The hops, or the reason the text is not a jump list. */
export function parseJumps(spec: string): JumpHop[] | { error: string } {
  const hops: JumpHop[] = [];
  for (const part of spec.split(',')) {
    const m = HOP.exec(part);
    const port = m?.[3] === undefined ? undefined : Number(m[3]);
    if (!m || (port !== undefined && (port < 1 || port > 65535)))
      return { error: `"${part.slice(0, 60)}" is not [user@]host[:port]` };
    hops.push({ ...(m[1] ? { user: m[1] } : {}), host: m[2]!.replace(/^\[(.*)\]$/, '$1'), ...(port ? { port } : {}) });
  }
  return hops;
}
