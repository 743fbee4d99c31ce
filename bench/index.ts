// `npm run bench`: haforge against Ansible on identically fresh lab hosts, alternating, in one script.
// See the README's "Performance" section for what is measured and how to read the table.
//
//   npm run bench                  # everything (about 25 minutes on 2 CPUs)
//   npm run bench -- --quick       # haforge only, 3 hosts, fewer repetitions, no fan-out (about a minute)
//   npm run bench -- --help
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { labDown, labUp, aptCacheDirOf, type LabInfo } from './labs.js';
import { sha512Crypt } from '../recipes/lib/crypt.js';
import { ansible, ensureAnsible, haproxyCfgFor, prepareAnsibleLab, stopControlMasters, type AnsibleConfig, type AnsibleLab } from './ansible.js';
import { buildSnapshot, haforge, removeSnapshot, type HaforgeRun } from './haforge.js';
import { helpExit, runBench, whole } from './main.js';
import { stopRunning } from './proc.js';
import { cell, markdownTable, mb, median, ratio, secs, speedup } from './stats.js';

const HELP = `npm run bench [-- OPTIONS]
  --quick            haforge only, 3 hosts: 1 first run, 3 no-op runs of each kind, no fan-out
  --rounds N         fresh labs per tool for the first-run figure (default 3)
  --noop N           no-op re-runs of everything (default 5), spread over the rounds
  --one N            no-op re-runs of one recipe on one host (default 5)
  --fanout-noop N    no-op re-runs on the 21-host labs (default 3); --no-fanout skips the fan-out
  --fanout-web N     web nodes in the fan-out labs (default 20)
  --no-ansible       haforge only
  --suite S          bookworm (default) or trixie
  --subnet A.B       the labs take A.B.70, A.B.71 and A.B.72 (default 10.213)
  --out FILE         also write the markdown table to FILE`;

type Tool = 'haforge' | AnsibleConfig;
const TOOL_NAME: Record<Tool, string> = { haforge: 'haforge', defaults: 'Ansible defaults', tuned: 'Ansible tuned' };
const LAB_NAME: Record<Tool, string> = { haforge: 'hfbh', defaults: 'hfbd', tuned: 'hfbt' };
const LAB_OCTET: Record<Tool, number> = { haforge: 70, defaults: 71, tuned: 72 };
type Figure = 'first' | 'noop' | 'one' | 'fanFirst' | 'fanNoop' | 'noopKept' | 'oneKept' | 'fanNoopKept';

interface Options {
  quick: boolean;
  rounds: number;
  noop: number;
  one: number;
  fanout: boolean;
  fanoutNoop: number;
  fanoutWeb: number;
  ansible: boolean;
  suite: 'bookworm' | 'trixie';
  subnet: string;
  out?: string;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      noop: { type: 'string' },
      one: { type: 'string' },
      'fanout-noop': { type: 'string' },
      'fanout-web': { type: 'string' },
      'no-fanout': { type: 'boolean', default: false },
      'no-ansible': { type: 'boolean', default: false },
      suite: { type: 'string', default: 'bookworm' },
      subnet: { type: 'string', default: '10.213' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  helpExit(values.help, HELP);
  const n = whole;
  if (values.suite !== 'bookworm' && values.suite !== 'trixie') throw new Error('--suite must be bookworm or trixie');
  if (!/^\d{1,3}\.\d{1,3}$/.test(values.subnet)) throw new Error('--subnet takes A.B (the labs use A.B.70-72)');
  const q = values.quick;
  return {
    quick: q,
    rounds: n(values.rounds, q ? 1 : 3),
    noop: n(values.noop, q ? 3 : 5),
    one: n(values.one, q ? 3 : 5),
    fanout: !q && !values['no-fanout'],
    fanoutNoop: n(values['fanout-noop'], 3),
    fanoutWeb: n(values['fanout-web'], 20),
    ansible: !q && !values['no-ansible'],
    suite: values.suite,
    subnet: values.subnet,
    out: values.out,
  };
}

/** [a, b, c] rotated by k: who goes first changes every round, so no tool always runs on a cooler machine. */
function rotate<T>(xs: readonly T[], k: number): T[] {
  const i = k % xs.length;
  return [...xs.slice(i), ...xs.slice(0, i)];
}

/** How many of `total` repetitions round `r` of `rounds` does. */
function share(total: number, rounds: number, r: number): number {
  return Math.floor(total / rounds) + (r < total % rounds ? 1 : 0);
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Has this lab name's apt proxy already fetched these packages (so a first run measures installing, not downloading)? */
function cached(name: string, prefixes: string[]): boolean {
  const found = new Set<string>();
  const walk = (dir: string, depth: number) => {
    if (depth > 8 || found.size === prefixes.length) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
      else for (const p of prefixes) if (e.name.startsWith(p) && e.name.endsWith('.deb')) found.add(p);
    }
  };
  walk(aptCacheDirOf(name), 0);
  return found.size === prefixes.length;
}

async function main(work: string, log: string): Promise<number> {
  const o = options(process.argv.slice(2));
  const note = (line: string) => appendFileSync(log, `${line}\n`);
  say(`haforge benchmark; log: ${log}`);
  // One build for the whole bench (npm run build's bundle), so every run measures the same code.
  say(`building haforge (scripts/build.mjs) into ${buildSnapshot()}`);
  const tools: Tool[] = o.ansible ? ['haforge', 'defaults', 'tuned'] : ['haforge'];
  const ansibleVersion = o.ansible ? ensureAnsible(say) : undefined;
  const password = randomBytes(12).toString('base64url');
  // --keep-connections runs: the keeper's socket in the bench's own folder, so no other keeper is used or stopped.
  const runtime = join(work, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const keepEnv = { XDG_RUNTIME_DIR: runtime };
  const KEEP = ['--keep-connections', '120'];
  const stopKeeper = () => haforge(['keeper', 'stop'], { log, label: 'keeper stop', timeoutS: 30, password, env: keepEnv }).catch(() => undefined);
  const passwordHash = await sha512Crypt(password);
  const load0 = loadavg()[0]!;

  const samples = new Map<Figure, Map<Tool, number[]>>();
  const add = (f: Figure, t: Tool, s: number) => {
    const m = samples.get(f) ?? new Map<Tool, number[]>();
    m.set(t, [...(m.get(t) ?? []), s]);
    samples.set(f, m);
  };
  const get = (f: Figure, t: Tool) => samples.get(f)?.get(t) ?? [];
  const rss = { small: [] as number[], fan: [] as number[] };
  const startup = { compiled: [] as number[], tsx: [] as number[] };
  const notes: string[] = [];

  // Labs in use, so any way out (error, Ctrl-C) takes them down.
  const up = new Map<Tool, { lab: LabInfo; ans?: AnsibleLab }>();
  const downAll = async () => {
    await stopKeeper();
    for (const [tool, x] of up) {
      if (x.ans) stopControlMasters(x.ans);
      await labDown(LAB_NAME[tool]).catch((e: unknown) => say(`bench: lab ${LAB_NAME[tool]} down failed: ${(e as Error).message}`));
      up.delete(tool);
    }
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    say('\nbench: interrupted; taking the labs down ...');
    stopRunning();
    void downAll().finally(() => {
      removeSnapshot();
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const fresh = async (tool: Tool, web: number) => {
    const name = LAB_NAME[tool];
    const x = up.get(tool);
    if (x?.ans) stopControlMasters(x.ans);
    await labDown(name);
    up.delete(tool);
    const lab = await labUp({ name, suite: o.suite, web, subnet: `${o.subnet}.${LAB_OCTET[tool]}`, log: note });
    up.set(tool, { lab, ans: tool === 'haforge' ? undefined : prepareAnsibleLab(lab, work, passwordHash) });
    return lab;
  };

  type Kind = 'first' | 'noop' | 'one';
  // A first run takes 20-50 s on 3 hosts: a run still going after 400 s is stuck (an apt download that never
  // finishes, seen with the lab's former proxy), and is stopped and retried rather than waited for.
  const limit = (kind: Kind, hosts: number) => (kind !== 'first' ? 300 : hosts > 3 ? 1500 : 400);
  const run = async (tool: Tool, kind: Kind, label: string, kept = false): Promise<{ seconds: number; rssKb?: number }> => {
    const x = up.get(tool)!;
    // Both tools print as they go (haforge's apt progress every few seconds, Ansible a line per host and task):
    // a first run silent for 5 minutes is stuck (an apt download that never finishes).
    const common = { log, label, timeoutS: limit(kind, x.lab.hosts.length), stallS: kind === 'first' ? 300 : undefined };
    let r: { seconds: number; code: number | null; changed?: number; failed?: boolean | number; stopped?: string };
    let rssKb: number | undefined;
    if (tool === 'haforge') {
      const args = kind === 'one' ? ['run', 'haproxy-config', '--limit', 'lb'] : ['up'];
      const h: HaforgeRun = await haforge([...args, '-i', x.lab.files.inventory, '--persistence', 'cookie-insert', ...(kept ? KEEP : [])], {
        ...common,
        password,
        ...(kept ? { env: keepEnv } : {}),
      });
      r = h;
      rssKb = h.maxRssKb;
    } else {
      r = await ansible(x.ans!, tool, kind === 'one' ? ['--tags', 'config', '--limit', 'lb'] : [], common);
    }
    if (r.code !== 0 || r.failed) throw new Error(`${label}: ${r.stopped ? `stopped (${r.stopped})` : `failed (exit ${r.code})`}; see ${log}`);
    if (kind !== 'first' && r.changed !== 0) {
      throw new Error(`${label}: expected a no-op run, found changed=${r.changed ?? '(no recap)'}; see ${log}`);
    }
    say(`  ${label.padEnd(44)} ${secs(r.seconds).padStart(7)} s${rssKb ? `  ${mb(rssKb)}` : ''}`);
    return { seconds: r.seconds, rssKb };
  };

  /** A first run that fails on the way to the mirror (an apt download cut or stuck) is retried on a fresh lab, and
   * the table says so: it measures the tools, not the mirror. */
  const firstRun = async (tool: Tool, web: number, label: string) => {
    // 21 hosts download 20 times more: one more try there.
    const tries = web > 2 ? 3 : 2;
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(tool, 'first', label);
      } catch (e) {
        if (attempt >= tries) throw e;
        const why = (e as Error).message.replace(`${label}: `, '').split(';')[0];
        say(`  ${label}: ${why}; trying again on a fresh lab`);
        notes.push(`tried again on a fresh lab: ${label} (${why})`);
        await fresh(tool, web);
      }
    }
  };

  let failure: string | undefined;
  try {
    // Start-up alone: `haforge list` loads the CLI and every recipe and touches no host. The tsx figure is
    // bin/haforge.mjs with HAFORGE_FROM_SOURCE=1: what a clone runs before `npm run build`.
    const listArgs = ['list'];
    for (let i = 0; i < (o.quick ? 3 : 5); i++) {
      startup.compiled.push((await haforge(listArgs, { log, label: 'start-up (build)', timeoutS: 60, password })).seconds);
      startup.tsx.push((await haforge(listArgs, { log, label: 'start-up (tsx)', timeoutS: 60, password, fromSource: true })).seconds);
    }
    say(`start-up (haforge list): build ${secs(median(startup.compiled))} s, tsx ${secs(median(startup.tsx))} s`);

    // Downloads are not what is measured: each lab name's apt proxy cache is filled once, untimed.
    if (!o.quick) {
      for (const tool of tools) {
        const need = tool === 'haforge' ? ['apache2_', 'haproxy_'] : ['apache2_', 'haproxy_', 'python3-apt_'];
        if (cached(LAB_NAME[tool], need)) continue;
        say(`warm-up: filling lab ${LAB_NAME[tool]}'s apt cache (untimed first run of ${TOOL_NAME[tool]})`);
        await fresh(tool, 2);
        await run(tool, 'first', `warm-up ${TOOL_NAME[tool]}`);
      }
      await downAll();
    } else notes.push('--quick: no warm-up, so the first run may include package downloads into a cold apt cache.');

    for (let r = 0; r < o.rounds; r++) {
      say(`round ${r + 1}/${o.rounds}: fresh 3-host labs (1 LB + 2 web)`);
      for (const tool of tools) await fresh(tool, 2);
      const order = rotate(tools, r);
      for (const tool of order) {
        const x = await firstRun(tool, 2, `first run, ${TOOL_NAME[tool]}`);
        add('first', tool, x.seconds);
        if (x.rssKb) rss.small.push(x.rssKb);
      }
      if (r === 0) notes.push(sameConfig(up.get('haforge')!.lab));
      for (let k = 0; k < share(o.noop, o.rounds, r); k++) {
        for (const tool of rotate(order, k)) {
          const x = await run(tool, 'noop', `no-op everything, ${TOOL_NAME[tool]}`);
          add('noop', tool, x.seconds);
          if (x.rssKb) rss.small.push(x.rssKb);
        }
      }
      for (let k = 0; k < share(o.one, o.rounds, r); k++) {
        for (const tool of rotate(order, k)) {
          const x = await run(tool, 'one', `no-op haproxy-config on lb, ${TOOL_NAME[tool]}`);
          add('one', tool, x.seconds);
          if (x.rssKb) rss.small.push(x.rssKb);
        }
      }
      // haforge again with its connections kept (--keep-connections), as Ansible keeps its own (ControlPersist):
      // one untimed run opens them, the timed ones reuse them.
      await run('haforge', 'noop', 'no-op everything, haforge, opening kept connections', true);
      for (let k = 0; k < share(o.noop, o.rounds, r); k++) add('noopKept', 'haforge', (await run('haforge', 'noop', 'no-op everything, haforge, kept connections', true)).seconds);
      for (let k = 0; k < share(o.one, o.rounds, r); k++) add('oneKept', 'haforge', (await run('haforge', 'one', 'no-op haproxy-config on lb, haforge, kept', true)).seconds);
      await downAll();
    }

    if (o.fanout) {
      // One tool's 21-host lab at a time: three such labs at once (63 sshd, three LBs health-checking 20 nodes
      // every 2 s) load the 2 CPUs enough to slow whichever tool is measured.
      say(`fan-out: a fresh lab of 1 LB + ${o.fanoutWeb} web nodes per tool, one at a time`);
      for (const tool of tools) {
        await fresh(tool, o.fanoutWeb);
        const x = await firstRun(tool, o.fanoutWeb, `fan-out first run, ${TOOL_NAME[tool]}`);
        add('fanFirst', tool, x.seconds);
        if (x.rssKb) rss.fan.push(x.rssKb);
        for (let k = 0; k < o.fanoutNoop; k++) {
          const y = await run(tool, 'noop', `fan-out no-op everything, ${TOOL_NAME[tool]}`);
          add('fanNoop', tool, y.seconds);
          if (y.rssKb) rss.fan.push(y.rssKb);
          if (tool !== 'haforge') continue;
          // Alternating with the runs that log in afresh, as for 3 hosts; the first kept run opens them, untimed.
          if (k === 0) await run('haforge', 'noop', 'fan-out no-op everything, haforge, opening kept connections', true);
          add('fanNoopKept', 'haforge', (await run('haforge', 'noop', 'fan-out no-op everything, haforge, kept', true)).seconds);
        }
        await downAll();
      }
    }
  } catch (e) {
    failure = (e as Error).message;
    say(`bench: ${failure}`);
    await downAll();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    removeSnapshot();
  }

  // The table.
  const fanHosts = o.fanoutWeb + 1;
  const figures: [Figure, string][] = [
    ['first', 'first run on fresh hosts (3 hosts)'],
    ['noop', 'no-op re-run of everything (3 hosts)'],
    ['one', 'no-op re-run of one recipe on one host'],
    ['fanFirst', `fan-out: first run (${fanHosts} hosts)`],
    ['fanNoop', `fan-out: no-op re-run of everything (${fanHosts} hosts)`],
    ['noopKept', 'no-op re-run of everything (3 hosts), haforge --keep-connections'],
    ['oneKept', 'no-op re-run of one recipe on one host, haforge --keep-connections'],
    ['fanNoopKept', `fan-out: no-op re-run of everything (${fanHosts} hosts), haforge --keep-connections`],
  ];
  const head = ['figure', 'haforge', ...(o.ansible ? ['Ansible defaults', 'Ansible tuned', 'haforge/defaults', 'haforge/tuned'] : [])];
  const rows: string[][] = [];
  for (const [f, title] of figures) {
    if (!samples.has(f)) continue;
    const h = get(f, 'haforge');
    // Kept-connection figures are compared with Ansible's runs of the same kind.
    const peer: Figure = f === 'noopKept' ? 'noop' : f === 'oneKept' ? 'one' : f === 'fanNoopKept' ? 'fanNoop' : f;
    const a = (t: Tool) => get(peer, t);
    rows.push([title, cell(h), ...(o.ansible ? [cell(a('defaults')), cell(a('tuned')), ratio(h, a('defaults')), ratio(h, a('tuned'))] : [])]);
  }
  const blank = o.ansible ? ['', '', '', ''] : [];
  if (samples.has('fanNoop')) {
    const x = median(get('fanNoop', 'haforge')) / median(get('noop', 'haforge'));
    rows.push([`haforge: ${fanHosts}-host no-op / 3-host no-op`, `${x.toFixed(2)}×`, ...blank]);
  }
  if (samples.has('fanNoopKept')) {
    const x = median(get('fanNoopKept', 'haforge')) / median(get('noopKept', 'haforge'));
    rows.push([`haforge --keep-connections: ${fanHosts}-host no-op / 3-host no-op`, `${x.toFixed(2)}×`, ...blank]);
  }
  rows.push(['haforge peak memory (RSS), 3 hosts', cell(rss.small, (k) => (k / 1024).toFixed(0), ' MB'), ...blank]);
  if (rss.fan.length) rows.push([`haforge peak memory (RSS), ${fanHosts} hosts`, cell(rss.fan, (k) => (k / 1024).toFixed(0), ' MB'), ...blank]);
  rows.push(['haforge start-up (`haforge list`), compiled build', cell(startup.compiled), ...blank]);
  rows.push(['haforge start-up (`haforge list`), through tsx', cell(startup.tsx), ...blank]);

  const env = [
    `${new Date().toISOString().slice(0, 10)}, Debian ${o.suite} lab hosts, ${cpus().length} CPUs, load average ${load0.toFixed(1)} at start and ${loadavg()[0]!.toFixed(1)} at the end,`,
    `node ${process.version}${ansibleVersion ? `, ansible-core ${ansibleVersion}` : ''}, haforge as built by \`npm run build\`.`,
    'Times are wall clock from process start to exit; median (min–max, n).',
  ].join('\n');
  const targets: string[] = [];
  if (failure) notes.push(`the bench stopped early (${failure}): the table shows what was measured before that`);
  if (o.ansible) {
    const t = (ok: boolean, text: string) => {
      if (!text.includes('NaN')) targets.push(`- ${ok ? 'met' : 'MISSED'}: ${text}`);
    };
    const s = (f: Figure, a: Tool) => speedup(get(f, 'haforge'), get(f, a));
    t(s('noop', 'defaults') >= 8, `no-op everything ≥ 8× Ansible defaults (${s('noop', 'defaults').toFixed(1)}×)`);
    t(s('noop', 'tuned') >= 5, `no-op everything ≥ 5× Ansible tuned (${s('noop', 'tuned').toFixed(1)}×)`);
    t(median(get('noop', 'haforge')) < 0.75, `no-op everything under 0.75 s with process start (${secs(median(get('noop', 'haforge')))} s)`);
    t(s('one', 'tuned') >= 3, `one recipe on one host ≥ 3× Ansible tuned (${s('one', 'tuned').toFixed(1)}×)`);
    t(s('first', 'tuned') >= 1.5, `first run ≥ 1.5× Ansible tuned (${s('first', 'tuned').toFixed(2)}×)`);
    if (samples.has('fanNoop')) {
      const x = median(get('fanNoop', 'haforge')) / median(get('noop', 'haforge'));
      t(x <= 2, `${fanHosts}-host no-op ≤ 2× the 3-host no-op, every run logging in afresh (${x.toFixed(2)}×)`);
    }
    if (samples.has('fanNoopKept')) {
      const x = median(get('fanNoopKept', 'haforge')) / median(get('noopKept', 'haforge'));
      t(x <= 2, `${fanHosts}-host no-op ≤ 2× the 3-host no-op, connections kept as Ansible keeps them (${x.toFixed(2)}×)`);
    }
    const peak = Math.max(...rss.small, ...rss.fan);
    if (Number.isFinite(peak)) t(peak < 200 * 1024, `peak memory under 200 MB (${mb(peak)})`);
  }
  const md = [env, '', markdownTable(head, rows), '', ...targets, ...notes.map((n) => `- ${n}`)].join('\n');
  say(`\n${md}\n`);
  writeFileSync(join(work, 'results.md'), `${md}\n`);
  writeFileSync(join(work, 'results.json'), JSON.stringify({ options: o, samples: Object.fromEntries([...samples].map(([f, m]) => [f, Object.fromEntries(m)])), rss, startup }, null, 2));
  if (o.out) writeFileSync(o.out, `${md}\n`);
  say(`results: ${join(work, 'results.md')} (and results.json, bench.log)`);
  return failure ? 1 : 0;

  /** Is the template Ansible installs the very file haforge wrote (its stats hash put in)? */
  function sameConfig(lab: LabInfo): string {
    const r = spawnSync('ssh', ['-F', lab.files.sshConfig, 'lb1', 'cat /etc/haproxy/haproxy.cfg'], { encoding: 'utf8', timeout: 20_000 });
    const hash = /^\s*user admin password (\S+)/m.exec(r.stdout ?? '')?.[1];
    if (r.status !== 0 || !hash) return 'could not read haforge\'s haproxy.cfg to compare it with the Ansible template';
    return haproxyCfgFor(lab, hash) === r.stdout
      ? 'haproxy.cfg: Ansible\'s template is byte-identical to what haforge wrote, apart from the stats hash\'s random salt.'
      : 'WARNING: Ansible\'s template differs from the haproxy.cfg haforge wrote (see bench/ansible.ts haproxyCfgFor).';
  }
}

runBench('haforge-bench', main);
