// What a machine needs for systemd hosts, read from /proc/mounts text: one line naming the gap, and the
// cgroup hierarchies a host's own cgroup goes into.
import { describe, expect, it } from 'vitest';
import { cgroupRoots, systemdProblemOf } from '../../runner/lab/nspawn.js';

const mount = (point: string, type: string) => `${type} ${point} ${type} rw,nosuid,nodev,noexec,relatime 0 0`;
const UNIFIED = [mount('/sys/fs/cgroup', 'cgroup2')].join('\n');
const HYBRID = [mount('/sys/fs/cgroup', 'tmpfs'), mount('/sys/fs/cgroup/unified', 'cgroup2'), mount('/sys/fs/cgroup/systemd', 'cgroup'), mount('/sys/fs/cgroup/memory', 'cgroup')].join('\n');
const V1_ONLY = [mount('/sys/fs/cgroup', 'tmpfs'), mount('/sys/fs/cgroup/systemd', 'cgroup'), mount('/sys/fs/cgroup/memory', 'cgroup')].join('\n');

describe('cgroupRoots', () => {
  it('a unified machine: the cgroup2 root alone', () => expect(cgroupRoots(UNIFIED)).toEqual(['/sys/fs/cgroup']));
  it('a hybrid machine: cgroup2 and name=systemd', () => expect(cgroupRoots(HYBRID)).toEqual(['/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd']));
  it('no cgroup2: none', () => expect(cgroupRoots(V1_ONLY)).toBeUndefined());
});

describe('systemdProblemOf', () => {
  it('nothing missing', () => {
    expect(systemdProblemOf({ nspawn: true, mounts: UNIFIED })).toBeUndefined();
    expect(systemdProblemOf({ nspawn: true, mounts: HYBRID })).toBeUndefined();
  });
  it('no systemd-nspawn: says which package, and that --init sysv works', () => {
    const line = systemdProblemOf({ nspawn: false, mounts: UNIFIED })!;
    expect(line).toMatch(/systemd-nspawn \(apt-get install systemd-container\)/);
    expect(line).toMatch(/--init sysv/);
    expect(line).not.toContain('\n');
  });
  it('no cgroup2: says so, and that --init sysv works', () => {
    const line = systemdProblemOf({ nspawn: true, mounts: V1_ONLY })!;
    expect(line).toMatch(/cgroup2/);
    expect(line).toMatch(/--init sysv/);
    expect(line).not.toContain('\n');
  });
});
