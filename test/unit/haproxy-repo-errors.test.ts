// haproxy-repo reads apt-get update's stdout for its own source's `Err:` line: apt exits 0 when a source that
// already has lists fails (a wrong key replacing a good one), with only a warning on stderr. Samples are real
// apt output from the lab (bookworm's gpgv, trixie's sqv).
import { describe, expect, test } from 'vitest';
import { sourceError } from '../../recipes/haproxy-repo.js';

const URL = 'http://10.213.41.1:42903';

describe('sourceError', () => {
  test('trixie (sqv): the reason on the line after our Err:', () => {
    const out = [
      `Get:1 ${URL} haforge-e2e InRelease [840 B]`,
      'Get:2 http://deb.debian.org/debian trixie InRelease [140 kB]',
      `Err:1 ${URL} haforge-e2e InRelease`,
      '  Sub-process /usr/bin/sqv returned an error code (1), error message is: Missing key 83F9ED60B5CB4F2095B3861B4B373A17CDCE8481, which is needed to verify signature.',
      'Fetched 232 kB in 0s (1155 kB/s)',
      'Reading package lists...',
    ].join('\n');
    expect(sourceError(out, URL)).toMatch(/^Sub-process \/usr\/bin\/sqv .*Missing key 83F9ED60/);
  });

  test('bookworm (gpgv): NO_PUBKEY', () => {
    const out = `Hit:1 http://deb.debian.org/debian bookworm InRelease\nErr:2 ${URL} haforge-e2e InRelease\n  The following signatures couldn't be verified because the public key is not available: NO_PUBKEY 449ADDFEE1B597DF\nReading package lists...\n`;
    expect(sourceError(out, `${URL}/`)).toBe("The following signatures couldn't be verified because the public key is not available: NO_PUBKEY 449ADDFEE1B597DF");
  });

  test('another source failing is not ours; a clean update has no error', () => {
    const other = `Err:3 http://deb.debian.org/debian-security bookworm-security InRelease\n  Could not connect\nGet:4 ${URL} haforge-e2e InRelease [840 B]\n`;
    expect(sourceError(other, URL)).toBeUndefined();
    // A URL that merely starts like ours (another port) is not ours either.
    expect(sourceError(`Err:1 ${URL}0 haforge-e2e InRelease\n  boom\n`, URL)).toBeUndefined();
    expect(sourceError(`Hit:1 ${URL} haforge-e2e InRelease\nReading package lists...\n`, URL)).toBeUndefined();
  });
});
