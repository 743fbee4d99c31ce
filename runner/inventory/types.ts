// A validated inventory: what the rest of haforge reads. Loading and validation live beside it.

export type Vars = Record<string, unknown>;

export type AuthSpec =
  | { kind: 'key'; keyFile: string }
  | { kind: 'agent' }
  /** passwordEnv: the environment variable holding it; prompted on a TTY when unset. */
  | { kind: 'password'; passwordEnv: string; password?: string };

export interface HostSpec {
  name: string;
  address: string;
  port: number;
  user: string;
  auth: AuthSpec;
  /** Use sudo for root work (user is not root). */
  sudo: boolean;
  /** Environment variable with the sudo password (prompted on a TTY when unset). */
  sudoPasswordEnv?: string;
  groups: string[];
  /** Merged: host over group over global. */
  vars: Vars;
  /** Jump hosts to reach it through (ssh -J), the first hop first; none: connected directly. */
  jump?: JumpHopSpec[];
  /** What ssh_config gives this host beyond address, port, user, key and jump (those are filled in above). */
  ssh?: HostSshOptions;
  /** Where each connection setting came from: an inventory path, ssh_config's `file:line`, or `default`. */
  origins?: Record<string, string>;
}

/** ssh_config settings a connection follows (runner/inventory/ssh-config-hosts.ts); absent: haforge's defaults. */
export interface HostSshOptions {
  /** UserKnownHostsFile: new keys go to the first; all are read. Only when the inventory sets no known_hosts. */
  knownHostsFiles?: string[];
  hashKnownHosts?: boolean;
  /** StrictHostKeyChecking accept-new (or no: haforge still refuses a changed key): record unknown keys unasked. */
  acceptNewHostKeys?: boolean;
  connectTimeoutS?: number;
  /** ServerAliveInterval; 0: off. */
  serverAliveIntervalS?: number;
}

/** One jump host, resolved: an inventory host (its own connection settings) or an address with the target's login. */
export interface JumpHopSpec {
  address: string;
  port: number;
  user: string;
  /** The inventory host it is, when it is one: its login method is used. */
  host?: string;
}

/** Hosts per batch: a count, or a share of the group ("25%"). */
export type Serial = number | `${number}%`;

/** How one group's hosts are rolled out (inventory `groups.NAME.serial` / `max_fail_percentage`). */
export interface Rollout {
  serial?: Serial;
  maxFailPercentage?: number;
}

export interface Inventory {
  /** Absolute path of the file it was read from (or '<generated>'). */
  file: string;
  hosts: HostSpec[];
  /** group name -> host names, in file order */
  groups: Record<string, string[]>;
  knownHostsFile?: string;
  vars: Vars;
  /** group name -> its rolling order, for the groups that set one. */
  rollout?: Record<string, Rollout>;
  /** Non-fatal findings (e.g. a clear-text password) shown before the run. */
  warnings: string[];
  /** Where each host's var was set, for messages: host -> var -> `groups.lb.hosts.lb1.vars.persistence`. */
  varPaths?: Record<string, Record<string, string>>;
}
