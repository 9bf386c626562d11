#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine, as root, for the real-scheduler test
# (tests/slurm.rs): a munge key and munged, /etc/slurm/slurm.conf written for this hostname,
# core count and memory, then slurmctld and slurmd; waits until `sinfo` shows the node idle.
# Needs Debian's slurm-wlm and munge packages (Slurm 22.05). Starts only the daemons not already
# running, and writes the pid of each it starts to $SLURM_UP_STATE (default
# /tmp/topicbench-slurm), one file per daemon, so that .ci/slurm-down.sh stops exactly those.
# Leaves a cluster that already answers alone (it does not rewrite its slurm.conf).
set -euo pipefail

state=${SLURM_UP_STATE:-/tmp/topicbench-slurm}
mkdir -p "$state"

# The node takes jobs: idle, or busy with some.
node_up() {
    sinfo -h -o '%T' 2>/dev/null | grep -Eqx 'idle|mixed|allocated|completing'
}
if pgrep -x slurmctld >/dev/null && pgrep -x slurmd >/dev/null && node_up; then
    echo "slurm-up: a cluster already answers; starting nothing"
    sinfo
    exit 0
fi
for bin in munged mungekey slurmctld slurmd sinfo; do
    command -v "$bin" >/dev/null || {
        echo "slurm-up: $bin not found: apt-get install slurm-wlm munge" >&2
        exit 1
    }
done

host=$(hostname -s)
cpus=$(nproc)
# RealMemory in MB, a little under the total so that slurmd does not mark the node invalid.
mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)

# munge: a key (if the package did not make one) and the daemon.
mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
[ -s /etc/munge/munge.key ] || mungekey -c -f -k /etc/munge/munge.key
if ! pgrep -x munged >/dev/null; then
    munged --force
    for _ in $(seq 50); do
        [ -s /run/munge/munged.pid ] && break
        sleep 0.1
    done
    cp /run/munge/munged.pid "$state/munged.pid"
fi

mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat >/etc/slurm/slurm.conf <<CONF
# Written by topicbench's .ci/slurm-up.sh: a one-node cluster run as root.
ClusterName=topicbench
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
MinJobAge=600
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
cat >/etc/slurm/cgroup.conf <<CONF
CgroupPlugin=cgroup/v1
CgroupAutomount=no
CONF

# Each daemon that is not running yet; -i: slurmctld ignores saved state (a fresh cluster).
start() {
    local name=$1
    shift
    pgrep -x "$name" >/dev/null && return 0
    rm -f "/run/$name.pid"
    "$name" "$@"
    for _ in $(seq 50); do
        [ -s "/run/$name.pid" ] && break
        sleep 0.1
    done
    cp "/run/$name.pid" "$state/$name.pid"
}
start slurmctld -i
start slurmd

for _ in $(seq 60); do
    if node_up; then
        sinfo
        exit 0
    fi
    sleep 0.5
done
echo "slurm-up: the node did not come up within 30 s; sinfo says:" >&2
sinfo >&2 || true
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
