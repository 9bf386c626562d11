#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine, as root, for the real-scheduler test
# (tests/slurm.rs): a munge key and munged, /etc/slurm/slurm.conf written for this hostname,
# core count and memory, then slurmctld and slurmd; waits until `sinfo` shows the node idle.
# Needs Debian's slurm-wlm and munge packages (Slurm 22.05). Writes the pid of every daemon it
# starts to $SLURM_UP_STATE (default /tmp/topicbench-slurm), one file per daemon, so that
# .ci/slurm-down.sh stops exactly those. Leaves a cluster that already answers alone.
set -euo pipefail

state=${SLURM_UP_STATE:-/tmp/topicbench-slurm}
mkdir -p "$state"

if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
    echo "slurm-up: a cluster already answers (sinfo shows an idle node); starting nothing"
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

# -i: ignore saved state (a fresh cluster every time).
slurmctld -i
slurmd
for _ in $(seq 50); do
    [ -s /run/slurmctld.pid ] && [ -s /run/slurmd.pid ] && break
    sleep 0.1
done
cp /run/slurmctld.pid "$state/slurmctld.pid"
cp /run/slurmd.pid "$state/slurmd.pid"

for _ in $(seq 60); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
        sinfo
        exit 0
    fi
    sleep 0.5
done
echo "slurm-up: the node did not become idle within 30 s; sinfo says:" >&2
sinfo >&2 || true
tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
