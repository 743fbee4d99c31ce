// `npm run bench:cluster`: the cluster figures, this checkout side by side with an earlier commit (--against, default
// main), alternating run by run on the same lab hosts so both see the same machine:
//  - warm `haforge lab up` of 3 hosts and of 21 (`--web 20`), then `lab down` (issue 15's speed goals);
//  - 2 LBs + 2 web nodes: first run on fresh hosts and the no-op;
//  - 1 LB + 2 web nodes: the no-op, the base of the ratio;
//  - the big lab (1 LB + --big-web web nodes, default 99: 100 hosts): the no-op, its ratio to the 3-host one,
//    peak RSS (goals: under 3 s, under 250 MB).
// It prints median (min-max, n) per build and the ratio this/earlier. A benchmark, never a test.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { labDown, labUp, type LabInfo } from './labs.js';
import { buildSnapshot, haforge, removeSnapshot, ROOT } from './haforge.js';
import { buildRevision, type Revision } from './revision.js';
import { helpExit, runBench, whole } from './main.js';
import { stopRunning, timed } from './proc.js';
import { cell, markdownTable, mb, median, secs } from './stats.js';

const HELP = `npm run bench:cluster [-- OPTIONS]
  --against REV     the earlier build to compare with (default main); --no-against: this checkout only
  --init I          systemd (default) or sysv lab hosts
  --big-init I      the big lab's hosts (default: --init's)
  --big-web N       web nodes of the big lab (default 99: 100 hosts); 0 skips it
  --noop N          no-op runs per build and lab (default 5; 3 on the big lab)
  --lab-rounds N    warm lab up/down per build and size (default 3)
  --parts P,...     which figures, in this order (default lab,cluster,big): lab = warm lab up/down, cluster = 2 LBs
                    and the 3-host no-op, big = the big lab
  --suite S         bookworm (default) or trixie
  --out FILE        also write the markdown table to FILE`;

type Build = 'this' | 'earlier';

function options(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      against: { type: 'string', default: 'main' },
      'no-against': { type: 'boolean', default: false },
      init: { type: 'string', default: 'systemd' },
      'big-init': { type: 'string' },
      'big-web': { type: 'string', default: '99' },
      noop: { type: 'string', default: '5' },
      'lab-rounds': { type: 'string', default: '3' },
      suite: { type: 'string', default: 'bookworm' },
      parts: { type: 'string', default: 'lab,cluster,big' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  helpExit(values.help, HELP);
  const inits = ['systemd', 'sysv'];
  if (!inits.includes(values.init) || !inits.includes(values['big-init'] ?? values.init)) throw new Error('--init and --big-init take systemd or sysv');
  if (values.suite !== 'bookworm' && values.suite !== 'trixie') throw new Error('--suite must be bookworm or trixie');
  const parts = values.parts.split(',');
  for (const p of parts) if (!['lab', 'cluster', 'big'].includes(p)) throw new Error(`--parts: unknown part ${JSON.stringify(p)} (lab, cluster, big)`);
  return {
    parts,
    against: values['no-against'] ? undefined : values.against,
    init: values.init as 'systemd' | 'sysv',
    bigInit: (values['big-init'] ?? values.init) as 'systemd' | 'sysv',
    bigWeb: whole(values['big-web'], 99, 0),
    noop: whole(values.noop, 5),
    labRounds: whole(values['lab-rounds'], 3),
    suite: values.suite as 'bookworm' | 'trixie',
    out: values.out,
  };
}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(work: string, log: string): Promise<number> {
  const o = options(process.argv.slice(2));
  say(`haforge cluster benchmark; log: ${log}`);
  const entries = new Map<Build, string>([['this', join(buildSnapshot(), 'haforge.mjs')]]);
  let rev: Revision | undefined;
  if (o.against) {
    rev = buildRevision(o.against);
    entries.set('earlier', rev.entry);
    say(`side by side with ${o.against} (${rev.commit})`);
  }
  const builds = [...entries.keys()];
  const password = 'bench-cluster-Pw.1';
  const load0 = loadavg()[0]!;
  const samples = new Map<string, Map<Build, number[]>>();
  const add = (figure: string, b: Build, x: number) => {
    const m = samples.get(figure) ?? new Map<Build, number[]>();
    m.set(b, [...(m.get(b) ?? []), x]);
    samples.set(figure, m);
  };
  const notes: string[] = [];
  const labs = new Set<string>();
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    stopRunning();
    void Promise.all([...labs].map((l) => labDown(l).catch(() => undefined))).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const cliRun = async (b: Build, args: string[], label: string, timeoutS: number) => {
    const r = await haforge(args, { log, label: `${label} [${b}]`, timeoutS, password, entry: entries.get(b)! });
    if (r.code !== 0) throw new Error(`${label} [${b}]: exit ${String(r.code)}${r.stopped ? ` (${r.stopped})` : ''}; see ${log}`);
    return r;
  };
  const fresh = async (name: string, lb: number, web: number, init = o.init): Promise<LabInfo> => {
    await labDown(name);
    labs.add(name);
    // A loaded machine boots 100 systemd hosts slowly: the bench waits longer than the lab's 60 s.
    return labUp({ name, suite: o.suite, init, lb, web, bootLimitS: 600, log: (l) => writeFileSync(log, `${l}\n`, { flag: 'a' }) });
  };
  const down = async (name: string) => {
    await labDown(name);
    labs.delete(name);
  };
  const noops = async (lab: LabInfo, figure: string, count: number, rssFigure?: string) => {
    for (let k = 0; k < count; k++) {
      for (const b of k % 2 ? [...builds].reverse() : builds) {
        const r = await cliRun(b, ['up', '-i', lab.files.inventory], figure, 300);
        if (r.changed !== 0) throw new Error(`${figure} [${b}]: expected a no-op, found changed=${String(r.changed)}; see ${log}`);
        add(figure, b, r.seconds);
        if (rssFigure) add(rssFigure, b, r.maxRssKb);
        say(`  ${figure} [${b}] ${secs(r.seconds)} s, ${mb(r.maxRssKb)}`);
      }
    }
  };

  const labPart = async () => {
    // 1. Warm lab up (base image cached) and down, as a user runs them: the CLI process, start to exit.
    for (const web of [2, 20]) {
      const figure = `warm \`lab up\`, ${web + 1} ${o.init} hosts`;
      for (let k = 0; k < o.labRounds; k++) {
        for (const b of k % 2 ? [...builds].reverse() : builds) {
          const name = 'hfpfbw';
          await down(name);
          labs.add(name);
          const r = await cliRun(b, ['lab', 'up', '--name', name, '--web', String(web), '--init', o.init, '--suite', o.suite], figure, 600);
          add(figure, b, r.seconds);
          const d = await timed(process.execPath, [entries.get(b)!, 'lab', 'down', '--name', name], { log, label: `lab down [${b}]`, timeoutS: 300, cwd: ROOT });
          if (d.code !== 0) throw new Error(`lab down [${b}]: exit ${String(d.code)}`);
          labs.delete(name);
          add(`\`lab down\`, ${web + 1} hosts`, b, d.seconds);
          say(`  ${figure} [${b}] ${secs(r.seconds)} s, down ${secs(d.seconds)} s`);
        }
      }
    }

  };
  const clusterPart = async () => {
    // 2. Two LBs and two web nodes: a first run per build on fresh hosts, then no-ops alternating.
    for (const b of builds) {
      const lab = await fresh('hfpfb2', 2, 2);
      const r = await cliRun(b, ['up', '-i', lab.files.inventory], '2 LBs + 2 web: first run', 1200);
      add('2 LBs + 2 web: first run', b, r.seconds);
      say(`  2 LBs + 2 web: first run [${b}] ${secs(r.seconds)} s`);
      if (b === builds[builds.length - 1]) await noops(lab, '2 LBs + 2 web: no-op', o.noop, 'peak RSS, 4 hosts');
      await down('hfpfb2');
    }

    // 3. The 3-host no-op, base of the big lab's ratio.
    const small = await fresh('hfpfb3', 1, 2);
    await cliRun('this', ['up', '-i', small.files.inventory], '3 hosts: first run (untimed)', 1200);
    await noops(small, '1 LB + 2 web: no-op', o.noop, 'peak RSS, 3 hosts');
    await down('hfpfb3');

  };
  const bigPart = async () => {
    // 4. The big lab.
    if (o.bigWeb > 0) {
      const hosts = o.bigWeb + 1;
      const t0 = performance.now();
      const big = await fresh('hfpfbb', 1, o.bigWeb, o.bigInit);
      say(`  big lab: ${hosts} ${o.bigInit} hosts up in ${secs((performance.now() - t0) / 1000)} s; ${(freemem() / 2 ** 30).toFixed(1)} GiB free`);
      const r = await cliRun('this', ['up', '-i', big.files.inventory], `${hosts} hosts: first run`, 3600);
      add(`${hosts} hosts: first run`, 'this', r.seconds);
      say(`  ${hosts} hosts: first run ${secs(r.seconds)} s`);
      await noops(big, `${hosts} hosts: no-op`, Math.min(o.noop, 3), `peak RSS, ${hosts} hosts`);
      await down('hfpfbb');
    }
  };
  const run = { lab: labPart, cluster: clusterPart, big: bigPart } as Record<string, () => Promise<void>>;

  let failure: string | undefined;
  try {
    for (const p of o.parts) await run[p]!();
  } catch (e) {
    failure = (e as Error).message;
    say(`bench: ${failure}`);
    notes.push(`the bench stopped early (${failure}): the table shows what was measured before that`);
  } finally {
    for (const l of [...labs]) await labDown(l).catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    removeSnapshot();
    rev?.remove();
  }

  // The big lab's no-op against the 3-host one, per build (whichever order the parts ran in).
  const bigNoop = [...samples.keys()].find((f) => /^\d+ hosts: no-op$/.test(f));
  if (bigNoop && samples.has('1 LB + 2 web: no-op')) {
    const x = (b: Build) => median(samples.get(bigNoop)?.get(b) ?? []) / median(samples.get('1 LB + 2 web: no-op')?.get(b) ?? []);
    notes.push(`${bigNoop.split(':')[0]} no-op / 3-host no-op: ${builds.map((b) => `${x(b).toFixed(2)}× (${b})`).join(', ')}`);
  }
  const head = ['figure', 'this checkout', ...(rev ? [`${rev.name} (${rev.commit})`, 'this / earlier'] : [])];
  const rows = [...samples].map(([figure, m]) => {
    const rss = figure.startsWith('peak RSS');
    const c = (b: Build) => (rss ? cell(m.get(b) ?? [], (k) => (k / 1024).toFixed(0), ' MB') : cell(m.get(b) ?? []));
    const ratio = median(m.get('this') ?? []) / median(m.get('earlier') ?? []);
    return [figure, c('this'), ...(rev ? [c('earlier'), Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '—'] : [])];
  });
  const env = `${new Date().toISOString().slice(0, 10)}, Debian ${o.suite} lab hosts (${o.init}${o.bigInit !== o.init ? `; the big lab ${o.bigInit}` : ''}), ${cpus().length} CPUs, load average ${load0.toFixed(1)} at start and ${loadavg()[0]!.toFixed(1)} at the end, node ${process.version}; wall clock from process start to exit, median (min–max, n).`;
  const md = [env, '', markdownTable(head, rows), '', ...notes.map((n) => `- ${n}`)].join('\n');
  say(`\n${md}\n`);
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'results.md'), `${md}\n`);
  writeFileSync(join(work, 'results.json'), JSON.stringify({ options: o, samples: Object.fromEntries([...samples].map(([f, m]) => [f, Object.fromEntries(m)])) }, null, 2));
  if (o.out) writeFileSync(o.out, `${md}\n`);
  return failure ? 1 : 0;
}

runBench('haforge-bench-cluster', main);
