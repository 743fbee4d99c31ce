// Ansible's side of the benchmark: ansible-core from Debian's packages, the playbook in bench/ansible, an
// inventory and a haproxy.cfg template written per lab, runs in the "defaults" or "tuned" configuration.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabInfo } from '../runner/lab/index.js';
import { renderHaproxyConfig } from '../recipes/templates/haproxy-cfg.js';
import { indexPage } from '../recipes/apache-install.js';
import { ROOT } from './haforge.js';
import { timed, type Timed } from './proc.js';

export type AnsibleConfig = 'defaults' | 'tuned';
const DIR = join(ROOT, 'bench', 'ansible');
export const PLAYBOOK = join(DIR, 'playbook.yml');

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** ansible-playbook from Debian's packages (bookworm: ansible-core 2.14), installed when missing. */
export function ensureAnsible(log: (line: string) => void): string {
  if (!onPath('ansible-playbook')) {
    log('installing ansible-core from Debian\'s packages (apt-get install -y ansible-core) ...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'ansible-core'], { env, stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
    if (!install()) {
      execFileSync('apt-get', ['update', '-q'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
      if (!install()) throw new Error('apt-get install ansible-core failed');
    }
  }
  const v = execFileSync('ansible-playbook', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  return /\[core ([^\]]+)\]/.exec(v)?.[1] ?? v.trim();
}

/** The haproxy.cfg haforge renders for this lab's LB with `--persistence cookie-insert` and the given stats hash. */
export function haproxyCfgFor(lab: LabInfo, passwordHash: string): string {
  return renderHaproxyConfig({
    haproxyVersion: lab.suite === 'trixie' ? '3.0' : '2.6',
    bind: { address: '*', port: 80 },
    webServers: lab.hosts.filter((h) => h.group === 'web').map((h) => ({ name: h.name, address: h.address, port: 80 })),
    balance: 'roundrobin',
    persistence: 'cookie-insert',
    keepAlive: { enabled: false, timeoutMs: 3000 },
    https: { enabled: false, port: 443 },
    stats: { enabled: true, user: 'admin', passwordHash },
  });
}

export interface AnsibleLab {
  lab: LabInfo;
  dir: string;
  inventory: string;
  template: string;
  controlDir: string;
}

/** Per lab: an inventory (the lab's key and known_hosts, strict host key checking) and the template. */
export function prepareAnsibleLab(lab: LabInfo, workDir: string, passwordHash: string): AnsibleLab {
  const dir = join(workDir, `ansible-${lab.name}`);
  const controlDir = join(dir, 'cp');
  mkdirSync(controlDir, { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const hosts = (g: string) => Object.fromEntries(lab.hosts.filter((h) => h.group === g).map((h) => [h.name, { ansible_host: h.address }]));
  const inventory = {
    all: {
      vars: {
        ansible_user: 'root',
        ansible_ssh_private_key_file: lab.files.key,
        ansible_ssh_common_args: `-o UserKnownHostsFile=${lab.files.knownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`,
      },
      children: { lb: { hosts: hosts('lb') }, web: { hosts: hosts('web') } },
    },
  };
  const inventoryFile = join(dir, 'inventory.json');
  writeFileSync(inventoryFile, JSON.stringify(inventory, null, 2));
  const template = join(dir, 'haproxy.cfg.j2');
  writeFileSync(template, `{% raw %}${haproxyCfgFor(lab, passwordHash)}{% endraw %}`);
  // The playbook's page must be the one haforge writes: check once here rather than trust two copies.
  if (!indexPage('web1').includes('<body><h1>served by web1</h1></body>')) throw new Error('bench: the index page changed; update bench/ansible/playbook.yml');
  return { lab, dir, inventory: inventoryFile, template, controlDir };
}

export interface AnsibleRun extends Timed {
  /** Sum of changed= over the PLAY RECAP lines, and whether any host failed or was unreachable. */
  changed?: number;
  failed?: boolean;
}

export async function ansible(
  a: AnsibleLab,
  config: AnsibleConfig,
  extra: string[],
  o: { log: string; label: string; timeoutS: number; stallS?: number },
): Promise<AnsibleRun> {
  const r = await timed('ansible-playbook', ['-i', a.inventory, PLAYBOOK, '-e', `haproxy_cfg_src=${a.template}`, ...extra], {
    log: o.log,
    label: o.label,
    timeoutS: o.timeoutS,
    stallS: o.stallS,
    cwd: a.dir,
    env: {
      ANSIBLE_CONFIG: join(DIR, `${config}.cfg`),
      ANSIBLE_SSH_CONTROL_PATH_DIR: a.controlDir,
      ANSIBLE_LOCAL_TEMP: join(a.dir, 'tmp'),
      ANSIBLE_HOME: join(a.dir, 'home'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORCE_COLOR: undefined,
    },
  });
  const recap = [...r.stdout.matchAll(/^\S+\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)];
  if (recap.length === 0) return r;
  return {
    ...r,
    changed: recap.reduce((n, m) => n + Number(m[1]), 0),
    failed: recap.some((m) => Number(m[2]) > 0 || Number(m[3]) > 0),
  };
}

/** Ends the persistent ssh masters Ansible left for this lab (`ssh -O exit` on each control socket). */
export function stopControlMasters(a: AnsibleLab): void {
  let sockets: string[] = [];
  try {
    sockets = readdirSync(a.controlDir);
  } catch {
    return;
  }
  for (const s of sockets) spawnSync('ssh', ['-o', `ControlPath=${join(a.controlDir, s)}`, '-O', 'exit', 'bench'], { stdio: 'ignore', timeout: 5000 });
}
