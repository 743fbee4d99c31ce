// A systemd host that cannot start for want of inotify instances says which limit and how to raise it.
import { describe, expect, it } from 'vitest';
import { inotifyHint } from '../../runner/lab/boot.js';

describe('inotifyHint', () => {
  it('names the limit, its value and the way out when PID 1 could not allocate its manager', () => {
    const hint = inotifyHint('Failed to allocate manager object: Too many open files | Exiting PID 1...');
    expect(hint).toMatch(/fs\.inotify\.max_user_instances, \d+, is used up/);
    expect(hint).toContain('sysctl -w fs.inotify.max_user_instances=1024');
    expect(hint).toContain('--init sysv');
  });
  it('says nothing for other failures', () => {
    expect(inotifyHint('Failed to mount API filesystems')).toBe('');
    expect(inotifyHint('')).toBe('');
  });
});
