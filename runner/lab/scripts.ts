// The two shell scripts a host runs. Kept as strings (not files beside the code) so they ship with any build
// of haforge; up writes init.sh into the lab's state folder and host-init into the base image.

/**
 * First process of a host, started by `ip netns exec NS unshare --mount --uts --ipc --pid --fork
 * --propagation private sh init.sh ROOT NAME ADDR/24`. It is PID 1 of the new PID namespace (so the /proc it
 * mounts is the host's own), in a private mount namespace (so nothing it mounts shows on the machine).
 */
export const INIT_SH = `#!/bin/sh
set -eu
root=$1 name=$2 addr=$3

# Network: loopback and eth0 with the host's address; no IPv6 (link-local chatter) and no default route.
for i in all default eth0; do echo 1 > /proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || true; done
ip link set lo up
ip addr add "$addr" dev eth0
ip link set eth0 up

# Kernel filesystems for the host, seen only inside its mount namespace.
mount -t proc proc "$root/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$root/run"
mount -t tmpfs -o mode=755,nosuid tmpfs "$root/dev"
mknod -m 666 "$root/dev/null" c 1 3
mknod -m 666 "$root/dev/zero" c 1 5
mknod -m 666 "$root/dev/full" c 1 7
mknod -m 666 "$root/dev/random" c 1 8
mknod -m 666 "$root/dev/urandom" c 1 9
mknod -m 666 "$root/dev/tty" c 5 0
mkdir -m 755 "$root/dev/pts"
mkdir -m 1777 "$root/dev/shm"
# A private devpts instance so \`ssh -tt\` gets terminals without touching the machine's.
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"

hostname "$name"
# env -i: none of the machine's variables leak into the host. tini must be PID 1: it reaps orphans, and
# start-stop-daemon would take an unreaped zombie for a running daemon.
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" /usr/bin/tini -- /sbin/host-init
`;

/** What a boot would start on a real host: sshd. Runs as tini's only child. */
export const HOST_INIT = `#!/bin/sh
mkdir -p /run/sshd /run/lock
chmod 0755 /run/sshd
chmod 1777 /run/lock
: > /run/utmp
service ssh start
exec sleep infinity
`;

/** invoke-rc.d asks this before starting a service: 0 starts services on install like a real Debian, 101 blocks. */
export function policyRcD(block: boolean): string {
  return `#!/bin/sh\n# haforge lab: ${block ? 'service starts blocked (--block-services)' : 'services start on install, as on a real Debian'}\nexit ${block ? 101 : 0}\n`;
}

/**
 * How a systemd host starts: `sh nspawn.sh ROOT NAME ADDR/24 NETNS CGROUP...`. The namespace's links are set
 * here (nspawn only joins the namespace), the shell moves into the host's own cgroups, then becomes
 * systemd-nspawn. --keep-unit and --register=no: there is no systemd on the machine to make a scope or keep
 * a registry. A unified hierarchy inside: pure cgroup2, which systemd 257 wants and 258 will require.
 */
export const NSPAWN_SH = `#!/bin/sh
set -eu
root=$1 name=$2 addr=$3 ns=$4
shift 4
ip netns exec "$ns" sh -c 'for i in all default eth0; do echo 1 > /proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || true; done'
ip -n "$ns" link set lo up
ip -n "$ns" addr add "$addr" dev eth0
ip -n "$ns" link set eth0 up
for cg in "$@"; do echo $$ > "$cg/cgroup.procs"; done
export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
exec systemd-nspawn --quiet --directory="$root" --machine="$name" --boot --register=no --keep-unit \\
  --console=read-only --network-namespace-path="/run/netns/$ns" --capability=CAP_NET_ADMIN --resolv-conf=off --timezone=off --link-journal=no
`;
