// What is up, at which addresses, and whether each sshd answers.
import { labTraces } from './down.js';
import { hostInitPid } from './hosts.js';
import { checkName } from './paths.js';
import { EXIT_UNSUPPORTED, LabError, machineProblem } from './preflight.js';
import { alive, tcpAnswers } from './proc.js';
import { readLab, type LabInfo } from './state.js';

export interface HostStatus {
  name: string;
  address: string;
  /** The host's PID 1 runs. */
  running: boolean;
  /** Its sshd answered with an SSH banner just now. */
  sshd: boolean;
}

export interface LabStatus {
  name: string;
  /** up: all hosts and sshd answer; absent: no trace; broken: some traces (run `down`); building: `up` runs. */
  state: 'up' | 'absent' | 'broken' | 'building';
  info?: LabInfo;
  hosts: HostStatus[];
  proxy: boolean;
  /** What exists on the machine (namespaces, links, mounts...), for the broken case. */
  traces: string[];
}

export async function labStatus(name: string): Promise<LabStatus> {
  const bad = checkName(name);
  if (bad) throw new LabError(bad);
  const problem = await machineProblem();
  if (problem) throw new LabError(problem, EXIT_UNSUPPORTED);
  const info = readLab(name);
  const traces = await labTraces(name);
  if (!info) return { name, state: traces.length ? 'broken' : 'absent', hosts: [], proxy: false, traces };
  const hosts = await Promise.all(
    info.hosts.map(async (h) => {
      const running = hostInitPid(info.stateDir, h.name, h.pid, info.init) !== undefined;
      return { name: h.name, address: h.address, running, sshd: running && (await tcpAnswers(h.address, 22, 'SSH-', 1000)) };
    }),
  );
  const proxy = !!info.proxy.pid && alive(info.proxy.pid);
  const healthy = proxy && hosts.every((h) => h.sshd);
  const state = info.status === 'building' ? 'building' : healthy ? 'up' : 'broken';
  return { name, state, info, hosts, proxy, traces };
}
