// A tiny signed apt repository for the haproxy-repo e2e test: a real gpg key made in a throwaway GNUPGHOME,
// one small .deb built with dpkg-deb, Packages and Release written here (with the hashes apt checks),
// InRelease and Release.gpg signed with that key, and a static HTTP server on a given address (the lab's
// bridge) so lab hosts can fetch it. A second, unrelated key plays the "wrong key".
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const execFileP = promisify(execFile);

export interface RepoPackage {
  name: string;
  version: string;
  description: string;
}

export interface SignedRepo {
  /** Folder served as the repository root (contains dists/ and pool/). */
  root: string;
  suite: string;
  component: string;
  packages: RepoPackage[];
  /** The signing key, exported binary (a `.gpg` keyring apt reads, and what haforge armors). */
  keyFile: string;
  /** The signing key, ASCII-armored. */
  keyFileArmored: string;
  /** A different key that did not sign the repository. */
  wrongKeyFile: string;
  /** Fingerprint of the signing key. */
  fingerprint: string;
  cleanup(): Promise<void>;
}

async function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/** A new ed25519 signing key in its own GNUPGHOME, no passphrase. Returns the GNUPGHOME and fingerprint. */
export async function makeKey(base: string, label: string): Promise<{ home: string; fingerprint: string }> {
  const home = path.join(base, `gnupg-${label}`);
  await mkdir(home, { recursive: true });
  await chmod(home, 0o700);
  const params = path.join(base, `${label}.params`);
  await writeFile(
    params,
    [
      '%no-protection',
      'Key-Type: EDDSA',
      'Key-Curve: ed25519',
      'Key-Usage: sign',
      `Name-Real: haforge e2e ${label}`,
      `Name-Email: ${label}@haforge.invalid`,
      'Expire-Date: 1d',
      '%commit',
      '',
    ].join('\n'),
  );
  const env = { GNUPGHOME: home };
  await run('gpg', ['--batch', '--quiet', '--gen-key', params], env);
  const colons = await run('gpg', ['--batch', '--with-colons', '--list-secret-keys'], env);
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (!fpr) throw new Error(`gpg made no key in ${home}:\n${colons}`);
  return { home, fingerprint: fpr };
}

export async function exportKey(home: string, fpr: string, file: string, armor: boolean): Promise<void> {
  await run('gpg', ['--batch', '--yes', ...(armor ? ['--armor'] : []), '--output', file, '--export', fpr], { GNUPGHOME: home });
}

async function buildDeb(work: string, pkg: RepoPackage, out: string): Promise<void> {
  const dir = path.join(work, `${pkg.name}-${pkg.version}`);
  await mkdir(path.join(dir, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(dir, 'usr/share/doc', pkg.name), { recursive: true });
  await writeFile(
    path.join(dir, 'DEBIAN/control'),
    [
      `Package: ${pkg.name}`,
      `Version: ${pkg.version}`,
      'Architecture: all',
      'Maintainer: haforge e2e <e2e@haforge.invalid>',
      'Section: misc',
      'Priority: optional',
      `Description: ${pkg.description}`,
      '',
    ].join('\n'),
  );
  await writeFile(path.join(dir, 'usr/share/doc', pkg.name, 'README'), `${pkg.name} ${pkg.version}: installed from the haforge e2e repository\n`);
  await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', dir, out]);
}

function hashes(data: Buffer): { md5: string; sha1: string; sha256: string; size: number } {
  const h = (alg: string) => createHash(alg).update(data).digest('hex');
  return { md5: h('md5'), sha1: h('sha1'), sha256: h('sha256'), size: data.length };
}

/**
 * Builds the repository in a temp folder: `dists/SUITE/{InRelease,Release,Release.gpg}`,
 * `dists/SUITE/COMPONENT/binary-all/Packages(.gz)` and `pool/`. Architecture `all` only, which apt takes for
 * any host architecture.
 */
export async function buildSignedRepo(o: { suite: string; component?: string; packages: RepoPackage[] }): Promise<SignedRepo> {
  const component = o.component ?? 'main';
  const base = await mkdtemp(path.join(tmpdir(), 'haforge-aptrepo-'));
  try {
    const root = path.join(base, 'repo');
    const pool = path.join(root, 'pool', component);
    const binDir = path.join(root, 'dists', o.suite, component, 'binary-all');
    await mkdir(pool, { recursive: true });
    await mkdir(binDir, { recursive: true });

    const stanzas: string[] = [];
    for (const pkg of o.packages) {
      const rel = `pool/${component}/${pkg.name}_${pkg.version}_all.deb`;
      const deb = path.join(root, rel);
      await buildDeb(base, pkg, deb);
      const control = (await run('dpkg-deb', ['--field', deb])).trimEnd();
      const h = hashes(await readFile(deb));
      stanzas.push(`${control}\nFilename: ${rel}\nSize: ${h.size}\nMD5sum: ${h.md5}\nSHA1: ${h.sha1}\nSHA256: ${h.sha256}\n`);
    }
    const packages = Buffer.from(stanzas.join('\n'));
    const packagesGz = gzipSync(packages);
    await writeFile(path.join(binDir, 'Packages'), packages);
    await writeFile(path.join(binDir, 'Packages.gz'), packagesGz);

    const files = [
      { name: `${component}/binary-all/Packages`, data: packages },
      { name: `${component}/binary-all/Packages.gz`, data: packagesGz },
    ].map((f) => ({ ...f, ...hashes(f.data) }));
    const list = (field: 'md5' | 'sha256') => files.map((f) => ` ${f[field]} ${String(f.size).padStart(8)} ${f.name}`).join('\n');
    const release = [
      'Origin: haforge-e2e',
      'Label: haforge-e2e',
      `Suite: ${o.suite}`,
      `Codename: ${o.suite}`,
      `Date: ${new Date().toUTCString()}`,
      'Architectures: all amd64 arm64',
      `Components: ${component}`,
      'Description: haforge e2e test repository',
      'MD5Sum:',
      list('md5'),
      'SHA256:',
      list('sha256'),
      '',
    ].join('\n');
    const dist = path.join(root, 'dists', o.suite);
    await writeFile(path.join(dist, 'Release'), release);

    const good = await makeKey(base, 'signer');
    const wrong = await makeKey(base, 'stranger');
    const env = { GNUPGHOME: good.home };
    await run('gpg', ['--batch', '--yes', '--local-user', good.fingerprint, '--digest-algo', 'SHA512', '--clearsign', '--output', path.join(dist, 'InRelease'), path.join(dist, 'Release')], env);
    await run('gpg', ['--batch', '--yes', '--local-user', good.fingerprint, '--digest-algo', 'SHA512', '--armor', '--detach-sign', '--output', path.join(dist, 'Release.gpg'), path.join(dist, 'Release')], env);

    const keyFile = path.join(base, 'signer.gpg');
    const keyFileArmored = path.join(base, 'signer.asc');
    const wrongKeyFile = path.join(base, 'stranger.asc');
    await exportKey(good.home, good.fingerprint, keyFile, false);
    await exportKey(good.home, good.fingerprint, keyFileArmored, true);
    await exportKey(wrong.home, wrong.fingerprint, wrongKeyFile, true);
    // Our own check that the signature is what apt will check: gpgv with the exported key.
    await run('gpgv', ['--keyring', keyFile, path.join(dist, 'InRelease')]);

    return {
      root,
      suite: o.suite,
      component,
      packages: o.packages,
      keyFile,
      keyFileArmored,
      wrongKeyFile,
      fingerprint: good.fingerprint,
      cleanup: () => rm(base, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(base, { recursive: true, force: true });
    throw e;
  }
}

export interface StaticServer {
  /** http://ADDRESS:PORT (no trailing slash) */
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `root` read-only on address:port (port 0 = a free one). GET and HEAD only; no directory listings. */
export async function serveStatic(root: string, address: string, port = 0): Promise<StaticServer> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(urlPath);
    const file = path.join(root, path.normalize(urlPath));
    if (!file.startsWith(root + path.sep) || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    stat(file).then(
      (st) => {
        if (!st.isFile()) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream', 'last-modified': st.mtime.toUTCString() });
        if (req.method === 'HEAD') res.end();
        else createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    url: `http://${address}:${bound}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
