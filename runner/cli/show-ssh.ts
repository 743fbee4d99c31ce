// `--show-ssh`: what each selected host connects with and where each setting came from (an inventory path,
// ssh_config's file:line, or haforge's default), so a surprising ssh_config match can be found without
// connecting. Paths and names only: a password is never part of a host's settings here (only its variable).
import type { HostSpec } from '../inventory/types.js';

export function showSsh(hosts: readonly HostSpec[]): string {
  const lines: string[] = [];
  for (const h of hosts) {
    const at = (k: string) => (h.origins?.[k] ? `  (${h.origins[k]})` : '');
    const login = h.auth.kind === 'key' ? `key ${h.auth.keyFile}` : h.auth.kind === 'agent' ? 'agent' : `password from $${h.auth.passwordEnv}`;
    lines.push(`${h.name}`);
    lines.push(`  address  ${h.address}${at('address')}`);
    lines.push(`  port     ${h.port}${at('port')}`);
    lines.push(`  user     ${h.user}${at('user')}`);
    lines.push(`  login    ${login}${at('login')}`);
    if (h.jump?.length) lines.push(`  jump     ${h.jump.map((j) => `${j.user}@${j.address}:${j.port}`).join(',')}${at('jump')}`);
    const s = h.ssh;
    if (s?.knownHostsFiles) lines.push(`  known_hosts ${s.knownHostsFiles.join(' ')}${at('userKnownHostsFiles')}`);
    if (s?.hashKnownHosts !== undefined) lines.push(`  hash known_hosts ${s.hashKnownHosts ? 'yes' : 'no'}${at('hashKnownHosts')}`);
    if (s?.acceptNewHostKeys) lines.push(`  new host keys accepted${at('strictHostKeyChecking')}`);
    if (s?.connectTimeoutS !== undefined) lines.push(`  connect timeout ${s.connectTimeoutS}s${at('connectTimeout')}`);
    if (s?.serverAliveIntervalS !== undefined) lines.push(`  server alive interval ${s.serverAliveIntervalS}s${at('serverAliveInterval')}`);
  }
  return `${lines.join('\n')}\n`;
}
