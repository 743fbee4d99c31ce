// The cached base root filesystem of a suite: debootstrap minbase plus what every lab host shares. Hosts mount
// it read-only as an overlay's lower layer, so it is built once, atomically, and never changed while mounted.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BASE_VERSION, baseDir, cacheRoot, MIRROR_HOST, SUDO_USER, type Suite } from './paths.js';
import { alive, listDir, sh, shx, trace, unmountUnder, withPidLock } from './proc.js';
import { HOST_INIT, policyRcD } from './scripts.js';
import { LabError } from './preflight.js';

const MARKER = 'etc/haforge-lab-base';
// systemd, systemd-sysv and dbus for systemd hosts; tini for sysv hosts (which never start systemd).
const PACKAGES = ['openssh-server', 'sudo', 'curl', 'tini', 'procps', 'iproute2', 'netbase', 'systemd', 'systemd-sysv', 'dbus'];
/** Timers that would run apt on their own in the middle of a test (holding the dpkg lock): masked. */
const MASKED_UNITS = ['apt-daily.timer', 'apt-daily-upgrade.timer'];
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function baseVersion(dir: string): number | undefined {
  try {
    const m = /version=(\d+)/.exec(readFileSync(path.join(dir, MARKER), 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** True when some overlay on the machine uses this base as its lower layer. */
export function baseInUse(dir: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.startsWith('overlay ') && (l.includes(`lowerdir=${dir},`) || l.includes(`lowerdir=${dir} `)));
}

/** A build folder left by an interrupted build (its PID is gone): unmount what debootstrap mounted, then delete. */
async function removeStaleBuilds(suite: Suite): Promise<void> {
  const root = cacheRoot();
  for (const entry of listDir(root)) {
    const m = new RegExp(`^\\.(build|old)-${suite}-(\\d+)$`).exec(entry);
    if (!m || alive(Number(m[2]))) continue;
    const dir = path.join(root, entry);
    const left = await unmountUnder(dir);
    // --one-file-system: never descend into something still mounted there.
    if (left.length === 0) await sh`rm -rf --one-file-system ${dir}`;
  }
}

/** What every host shares; per-host and per-lab files are written by up into each host's upper layer. */
function customise(dir: string, suite: Suite): void {
  const put = (rel: string, text: string, mode = 0o644) => {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    chmodSync(file, mode);
  };
  // Every host gets its own keys at up; shared keys would make known_hosts meaningless.
  for (const f of listDir(path.join(dir, 'etc/ssh'))) if (f.startsWith('ssh_host_')) unlinkSync(path.join(dir, 'etc/ssh', f));
  put('etc/ssh/sshd_config.d/haforge-lab.conf', 'HostKey /etc/ssh/ssh_host_ed25519_key\nUseDNS no\n');
  // No auditing loginuid inside a namespace: sshd sessions would fail with pam_loginuid required.
  const pam = path.join(dir, 'etc/pam.d/sshd');
  writeFileSync(pam, readFileSync(pam, 'utf8').replace(/^(session\s+)required(\s+pam_loginuid\.so)/m, '$1optional$2'));
  // No DNS inside the lab: names come from /etc/hosts, written per lab.
  rmSync(path.join(dir, 'etc/resolv.conf'), { force: true });
  put('etc/resolv.conf', '');
  rmSync(path.join(dir, 'etc/apt/sources.list'), { force: true });
  put(
    'etc/apt/sources.list.d/debian.sources',
    `Types: deb\nURIs: http://${MIRROR_HOST}/debian\nSuites: ${suite} ${suite}-updates\nComponents: main\n\n` +
      `Types: deb\nURIs: http://${MIRROR_HOST}/debian-security\nSuites: ${suite}-security\nComponents: main\n`,
  );
  // A throwaway host on overlayfs: fsync per file only slows dpkg down.
  put('etc/dpkg/dpkg.cfg.d/haforge-lab', 'force-unsafe-io\n');
  put('sbin/host-init', HOST_INIT, 0o755);
  // Every host must get its own machine ID at its first boot: an empty file (systemd fills it in), and no
  // D-Bus copy (systemd 257 would take that one, and every host would share it).
  put('etc/machine-id', '', 0o444);
  rmSync(path.join(dir, 'var/lib/dbus/machine-id'), { force: true });
  for (const unit of MASKED_UNITS) {
    const link = path.join(dir, 'etc/systemd/system', unit);
    mkdirSync(path.dirname(link), { recursive: true });
    rmSync(link, { force: true });
    symlinkSync('/dev/null', link);
  }
  put('usr/sbin/policy-rc.d', policyRcD(false), 0o755);
  put(MARKER, `version=${BASE_VERSION} suite=${suite} built=${new Date().toISOString()}\n`);
}

async function build(suite: Suite, target: string, proxy: string, log: (l: string) => void): Promise<void> {
  const tmp = path.join(cacheRoot(), `.build-${suite}-${process.pid}`);
  try {
    await buildInto(suite, tmp, target, proxy, log);
  } catch (e) {
    // A failed build never reaches the cache's name; its folder goes too (an interrupted one: next time).
    if ((await unmountUnder(tmp)).length === 0) await sh`rm -rf --one-file-system ${tmp}`;
    throw e;
  }
}

async function buildInto(suite: Suite, tmp: string, target: string, proxy: string, log: (l: string) => void): Promise<void> {
  const t0 = Date.now();
  log(`building the ${suite} base image (debootstrap through the lab's apt proxy; cached in ${target})`);
  const env = { ...process.env, http_proxy: proxy, https_proxy: '', no_proxy: '' };
  const first = await sh({ env })`debootstrap --foreign --variant=minbase --components=main --include=${PACKAGES.join(',')} ${suite} ${tmp} http://${MIRROR_HOST}/debian ${script(suite)}`;
  if (first.exitCode !== 0) {
    throw new LabError(`debootstrap ${suite} failed: ${lastLines(first.stdout + first.stderr)}`);
  }
  // Package scripts must not start daemons on the machine while the base is built: no services, no network,
  // and a private mount namespace so whatever the second stage mounts goes away with it.
  writeFileSync(path.join(tmp, 'usr/sbin/policy-rc.d'), policyRcD(true), { mode: 0o755 });
  // dpkg's fsync per file makes two bases built at once crawl (minutes instead of half a minute).
  mkdirSync(path.join(tmp, 'etc/dpkg/dpkg.cfg.d'), { recursive: true });
  writeFileSync(path.join(tmp, 'etc/dpkg/dpkg.cfg.d/haforge-lab'), 'force-unsafe-io\n');
  trace(`${suite}: first stage done`);
  const isolate = ['unshare', '--net', '--mount', '--pid', '--fork', '--propagation', 'private', 'env', '-i', PATH_ENV, 'chroot', tmp];
  const second = await sh`${isolate} /debootstrap/debootstrap --second-stage`;
  if (second.exitCode !== 0) {
    const log2 = path.join(tmp, 'debootstrap/debootstrap.log');
    const detail = existsSync(log2) ? readFileSync(log2, 'utf8') : second.stdout + second.stderr;
    throw new LabError(`debootstrap second stage (${suite}) failed: ${lastLines(detail)}`);
  }
  trace(`${suite}: second stage done`);
  await shx`${isolate} useradd --create-home --shell /bin/bash --groups sudo ${SUDO_USER}`;
  await shx`${isolate} apt-get clean`;
  rmSync(path.join(tmp, 'var/lib/apt/lists'), { recursive: true, force: true });
  mkdirSync(path.join(tmp, 'var/lib/apt/lists/partial'), { recursive: true });
  customise(tmp, suite);
  if (existsSync(target)) {
    // A stale version nobody mounts: swap it out, then delete it.
    const old = path.join(cacheRoot(), `.old-${suite}-${process.pid}`);
    renameSync(target, old);
    renameSync(tmp, target);
    await sh`rm -rf --one-file-system ${old}`;
  } else {
    renameSync(tmp, target);
  }
  log(`${suite} base image built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * An older debootstrap may not know a newer suite; every Debian release since buster uses the same script as
 * sid, so name that script explicitly (debootstrap's standard 4th argument) instead of editing the machine.
 */
function script(suite: Suite): string[] {
  const dir = '/usr/share/debootstrap/scripts';
  return existsSync(path.join(dir, suite)) ? [] : [path.join(dir, 'sid')];
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

/** Returns the base folder for a suite, building it through the proxy first when it is missing or stale. */
export async function ensureBase(suite: Suite, proxy: string, log: (l: string) => void): Promise<string> {
  const target = baseDir(suite);
  if (baseVersion(target) === BASE_VERSION) return target;
  mkdirSync(cacheRoot(), { recursive: true });
  return withPidLock(path.join(cacheRoot(), `.lock-${suite}`), `building the ${suite} base`, log, async () => {
    const have = baseVersion(target);
    if (have === BASE_VERSION) return target; // built by whoever held the lock before us
    if (have !== undefined && baseInUse(target)) {
      log(`the cached ${suite} base is version ${have} (current ${BASE_VERSION}) but a lab uses it; using it as is`);
      return target;
    }
    await removeStaleBuilds(suite);
    await build(suite, target, proxy, log);
    return target;
  });
}
