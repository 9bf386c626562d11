#!/usr/bin/env bash
# Stops the Slurm and munge daemons that .ci/slurm-up.sh started, by the pids it recorded in
# $SLURM_UP_STATE (default /tmp/topicbench-slurm), and nothing else.
set -uo pipefail

state=${SLURM_UP_STATE:-/tmp/topicbench-slurm}
for name in slurmd slurmctld munged; do
    f="$state/$name.pid"
    [ -s "$f" ] || continue
    pid=$(cat "$f")
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ]; then
        kill "$pid"
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        echo "slurm-down: stopped $name (pid $pid)"
    fi
    rm -f "$f"
done
