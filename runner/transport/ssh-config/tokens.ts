// `~` and the `%` tokens ssh expands in paths (IdentityFile, UserKnownHostsFile) and in HostName (`%h`, `%%`).
export interface TokenValues {
  /** %h: the remote host name (after HostName). */
  h: string;
  /** %r: the remote user. */
  r: string;
  /** %u: the local user. */
  u: string;
  /** %d: the local user's home. */
  d: string;
  /** %p: the remote port. */
  p: string;
  /** %n: the host name as given. */
  n: string;
}

/** Expands tokens in `value`; `allowed` names the letters this keyword accepts (ssh refuses the others). Returns
 * undefined with the offending token when one is not allowed. */
export function expandTokens(value: string, v: Partial<TokenValues>, allowed = 'hrudpn'): { value: string } | { bad: string } {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const t = value[++i];
    if (t === '%') out += '%';
    else if (t !== undefined && allowed.includes(t) && v[t as keyof TokenValues] !== undefined) out += v[t as keyof TokenValues];
    else return { bad: `%${t ?? ''}` };
  }
  return { value: out };
}

/** A path as ssh reads it: `~/` is the home, then tokens. */
export function expandPath(path: string, v: Partial<TokenValues> & { d: string }): { value: string } | { bad: string } {
  const tilde = path === '~' ? v.d : path.startsWith('~/') ? v.d + path.slice(1) : path;
  return expandTokens(tilde, v);
}
