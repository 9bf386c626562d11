#!/usr/bin/env bash
# Runs `topicbench eval` on Slurm as a job array of N shards (shard.sbatch) and merges them in a
# job that depends on every shard succeeding (merge.sbatch, `--dependency=afterok:<array id>`).
# Without --wait it prints the two job ids and returns; with --wait SECS it waits (at most SECS),
# then says which shards failed (the merge does not run then) or where the report is.
#
#   examples/slurm/submit.sh --shards 4 --dir /shared/run1 [--wait 3600] -- --corpus big.csv --repeats 10
#   examples/slurm/submit.sh --shards 4 --dir /shared/run1 --only-missing --wait 3600 -- <same eval flags>
#   examples/slurm/submit.sh --dir /shared/run1 --attach --wait 600
#
# DIR must be on a folder every node sees: shards go to DIR/shards, Slurm logs to DIR/logs
# (shard-<i>.log, merge.log), the report to DIR/report, the job ids to DIR/jobs. Jobs run in the
# current folder, so relative paths in the eval flags work. The eval's --corpus, --root,
# --near-dup and learning-curve flags are passed to the merge too.
#
# Options:
#   --shards N        number of shards (array tasks)
#   --dir DIR         the shared run folder
#   --wait SECS       wait for the jobs at most SECS seconds (exit 0: merged; 1: a shard or the
#                     merge failed; 124: still running, nothing cancelled)
#   --only-missing    submit only the shards whose file is missing in DIR/shards, then merge
#   --attach          submit nothing: wait (--wait) for the jobs recorded in DIR/jobs
#   --sbatch ARG      an extra sbatch option for both jobs, e.g. --sbatch --partition=gpu
#                     (repeatable)
# Environment: TOPICBENCH, the binary the jobs run (default `topicbench` on PATH).
set -euo pipefail

me=$(basename "$0")
here=$(cd "$(dirname "$0")" && pwd)
die() {
    echo "$me: $*" >&2
    exit 2
}

shards='' dir='' wait_secs='' only_missing=0 attach=0
sbatch_extra=()
while [ $# -gt 0 ]; do
    case $1 in
    --shards) shards=${2:-}; shift 2 || die "--shards needs a number" ;;
    --dir) dir=${2:-}; shift 2 || die "--dir needs a folder" ;;
    --wait) wait_secs=${2:-}; shift 2 || die "--wait needs seconds" ;;
    --only-missing) only_missing=1; shift ;;
    --attach) attach=1; shift ;;
    --sbatch) sbatch_extra+=("${2:-}"); shift 2 || die "--sbatch needs an option" ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) die "unknown option \`$1\`: eval flags go after \`--\` (see --help)" ;;
    esac
done
eval_flags=("$@")

[ -n "$dir" ] || die "give --dir DIR, a folder every node sees"
dir=$(realpath -m "$dir")
if [ -n "$wait_secs" ]; then
    [[ $wait_secs =~ ^[0-9]+$ ]] || die "--wait $wait_secs is not a whole number of seconds"
fi

if [ "$attach" = 1 ]; then
    [ -s "$dir/jobs" ] || die "$dir/jobs not found: submit first (without --attach)"
    [ -n "$wait_secs" ] || die "--attach needs --wait SECS"
    # shellcheck disable=SC1091
    . "$dir/jobs"
else
    [[ $shards =~ ^[1-9][0-9]*$ ]] || die "give --shards N (a whole number, at least 1)"
    for f in "${eval_flags[@]}"; do
        case $f in
        --shard | --shard=* | --shard-count | --shard-count=* | --out | --out=*)
            die "$f is set by $me: leave it out of the eval flags" ;;
        esac
    done
    # Flags of the eval that the merge needs too.
    merge_flags=()
    i=0
    while [ $i -lt ${#eval_flags[@]} ]; do
        f=${eval_flags[$i]}
        case $f in
        --corpus | --root | --near-dup)
            merge_flags+=("$f" "${eval_flags[$((i + 1))]:-}")
            i=$((i + 1)) ;;
        --corpus=* | --root=* | --near-dup=* | --learning-curve | --no-learning-curve)
            merge_flags+=("$f") ;;
        esac
        i=$((i + 1))
    done
    mkdir -p "$dir/shards" "$dir/logs"
    todo=()
    for ((i = 0; i < shards; i++)); do
        [ -e "$dir/shards/shard-$i-of-$shards.json" ] || todo+=("$i")
    done
    if [ "$only_missing" = 0 ] && [ ${#todo[@]} -ne "$shards" ]; then
        die "$dir/shards already holds shard files: add --only-missing to finish that run, or give a new --dir"
    fi
    if compgen -G "$dir/shards/shard-*.json" >/dev/null &&
        ! compgen -G "$dir/shards/shard-*-of-$shards.json" >/dev/null; then
        die "$dir/shards holds shards of another count than $shards: give the count they were run with, or a new --dir"
    fi
    array=''
    dep=()
    if [ ${#todo[@]} -gt 0 ]; then
        spec=$(IFS=,; echo "${todo[*]}")
        [ ${#todo[@]} -eq "$shards" ] && spec="0-$((shards - 1))"
        array=$(TOPICBENCH_SHARD_COUNT=$shards sbatch --parsable --array="$spec" \
            --chdir="$PWD" --output="$dir/logs/shard-%a.log" "${sbatch_extra[@]}" \
            "$here/shard.sbatch" "$dir/shards" "${eval_flags[@]}")
        array=${array%%;*}
        dep=(--dependency="afterok:$array" --kill-on-invalid-dep=yes)
    fi
    merge=$(sbatch --parsable "${dep[@]}" --chdir="$PWD" --output="$dir/logs/merge.log" \
        "${sbatch_extra[@]}" "$here/merge.sbatch" "$dir/shards" "$dir/report" "${merge_flags[@]}")
    merge=${merge%%;*}
    printf 'array=%s\nmerge=%s\nshards=%s\n' "$array" "$merge" "$shards" >"$dir/jobs"
    if [ -n "$array" ]; then
        echo "$me: shards $spec of $shards: array job $array; merge: job $merge (after every shard succeeds); report: $dir/report"
    else
        echo "$me: every shard file is there; merge: job $merge; report: $dir/report"
    fi
    echo "jobs: array=$array merge=$merge"
    [ -n "$wait_secs" ] || exit 0
fi

# The state and exit code of a job (or of array task $2 of array job $1), as scontrol says.
job_state() {
    scontrol -o show job "$1" 2>/dev/null | awk -v task="${2:-}" '{
        delete v
        for (k = 1; k <= NF; k++) { n = index($k, "="); if (n) v[substr($k, 1, n - 1)] = substr($k, n + 1) }
        if (task == "" || v["ArrayTaskId"] == task) { print v["JobState"] " (exit " v["ExitCode"] ")"; exit }
    }'
}

ids=$merge${array:+,$array}
deadline=$((SECONDS + wait_secs))
while squeue -h -j "$ids" -o %i 2>/dev/null | grep -q .; do
    # A merge whose dependency can never be met (a cluster without kill-on-invalid-dep).
    if [ -n "$array" ] && ! squeue -h -j "$array" -o %i 2>/dev/null | grep -q . &&
        squeue -h -j "$merge" -o %r 2>/dev/null | grep -q DependencyNeverSatisfied; then
        scancel "$merge"
    fi
    if [ $SECONDS -ge $deadline ]; then
        echo "$me: jobs $ids still queued or running after ${wait_secs}s (see squeue -j $ids): nothing was cancelled; wait again with $me --dir $dir --attach --wait SECS" >&2
        exit 124
    fi
    sleep 1
done

failed=0
for ((i = 0; i < shards; i++)); do
    if [ ! -e "$dir/shards/shard-$i-of-$shards.json" ]; then
        state=$( [ -n "$array" ] && job_state "$array" "$i" || true)
        echo "$me: shard $i of $shards failed: array task ${array:-?}_$i ${state:-(Slurm no longer lists it: cancelled before it started, or purged)}; log: $dir/logs/shard-$i.log" >&2
        failed=$((failed + 1))
    fi
done
merge_state=$(job_state "$merge")
if [ "$failed" -gt 0 ]; then
    echo "$me: $failed of $shards shard(s) failed, so the merge (job $merge) did not run${merge_state:+: $merge_state}. Resubmit only them and merge: $me --shards $shards --dir $dir --only-missing --wait SECS -- <the same eval flags>" >&2
    exit 1
fi
if [[ $merge_state != COMPLETED* ]] || [ ! -s "$dir/report/latest.json" ]; then
    echo "$me: the merge (job $merge) did not finish: ${merge_state:-state no longer known to Slurm}; log: $dir/logs/merge.log" >&2
    exit 1
fi
echo "$me: merged $shards shards: $dir/report/latest.json"
