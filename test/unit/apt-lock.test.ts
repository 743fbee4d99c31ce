// Which lock apt is waiting for, from its own words (apt 2.6 on Debian 12, seen on the lab with a process
// holding the locks with fcntl, as apt and dpkg do).
import { describe, expect, test } from 'vitest';
import { lockHolder } from '../../runner/engine/primitives/apt.js';

describe('lockHolder', () => {
  test('apt-get update: the lists lock, with its holder', () => {
    const out = 'Reading package lists...\nE: Could not get lock /var/lib/apt/lists/lock. It is held by process 1666 (haforge-test-lo)\nE: Unable to lock directory /var/lib/apt/lists/\n';
    expect(lockHolder(out)).toEqual({ lock: '/var/lib/apt/lists/lock', holder: 'process 1666 (haforge-test-lo)' });
  });

  test('apt-get install after DPkg::Lock::Timeout: the frontend lock, with its holder', () => {
    const out =
      'Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1666 (haforge-test-lo)...\n' +
      'E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n';
    expect(lockHolder(out)).toEqual({ lock: '/var/lib/dpkg/lock-frontend', holder: 'process 1666 (haforge-test-lo)' });
  });

  test('without the holder line', () => {
    expect(lockHolder('E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?')).toEqual({
      lock: '/var/lib/dpkg/lock-frontend',
    });
    expect(lockHolder('E: Could not get lock /var/lib/dpkg/lock - open (11: Resource temporarily unavailable)')).toEqual({ lock: '/var/lib/dpkg/lock' });
  });

  test('other failures are not lock failures', () => {
    expect(lockHolder("E: dpkg was interrupted, you must manually run 'dpkg --configure -a' to correct the problem.")).toBeUndefined();
    expect(lockHolder('E: Unable to locate package nosuch')).toBeUndefined();
  });
});
