#!/usr/bin/env bash
# Scaling of a baseline cross-validation run with corpus size (issue 18): makes the synthetic
# corpora (examples/synth_corpus.rs: N documents of 8 random 20 Newsgroups sentences, seed 42),
# then times `eval --corpus F --classifiers multinomial_nb --folds 5 --repeats 1` with GNU time
# (wall seconds, peak RSS), once with the default grouping (auto: MinHash from 20,000 documents)
# and once with --near-dup-method exact, REPEATS times each, alternating, and prints the medians.
#
#   benches/scaling.sh [SIZES] [REPEATS] [DIR]
#   benches/scaling.sh "25000 50000 100000 200000 1000000" 3 /tmp/scaling
#
# EXACT_MAX (default 200000): larger sizes run MinHash only (exact takes ~10 min at 1M).
# BIN: the topicbench binary to time (default target/release/topicbench, built first).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-"25000 50000 100000 200000"}
repeats=${2:-3}
dir=${3:-/tmp/topicbench-scaling}
exact_max=${EXACT_MAX:-200000}
source=${SOURCE:-../shared/corpora/20news/corpus.csv}
mkdir -p "$dir"
cargo build --release --quiet --example synth_corpus --bin topicbench
bin=${BIN:-target/release/topicbench}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '%-9s %-9s %-8s %-11s %-11s %-11s %-11s\n' docs MB method wall_s_med wall_s_range rss_GB_med rss_GB_max
for n in $sizes; do
    f="$dir/synth-$n.csv"
    [ -f "$f" ] || target/release/examples/synth_corpus "$n" "$f" "$source"
    mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN {printf "%.0f", b / 1e6}')
    methods="auto"
    [ "$n" -le "$exact_max" ] && methods="auto exact"
    for m in $methods; do : >"$dir/times-$n-$m"; done
    for ((r = 0; r < repeats; r++)); do
        for m in $methods; do
            /usr/bin/time -f '%e %M' -o "$dir/time.tmp" "$bin" eval --corpus "$f" \
                --classifiers multinomial_nb --folds 5 --repeats 1 --near-dup-method "$m" \
                --out "$dir/out-$n-$m" >/dev/null 2>&1
            tail -1 "$dir/time.tmp" >>"$dir/times-$n-$m"
        done
    done
    for m in $methods; do
        t="$dir/times-$n-$m"
        wall=$(cut -d' ' -f1 "$t" | median)
        range=$(cut -d' ' -f1 "$t" | sort -g | sed -n '1p;$p' | paste -sd- -)
        rss=$(cut -d' ' -f2 "$t" | median | awk '{printf "%.2f", $1 / 1048576}')
        rmax=$(cut -d' ' -f2 "$t" | sort -g | tail -1 | awk '{printf "%.2f", $1 / 1048576}')
        printf '%-9s %-9s %-8s %-11s %-11s %-11s %-11s\n' "$n" "$mb" "$m" "$wall" "$range" "$rss" "$rmax"
    done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: compare ratios in one run)"
