#!/usr/bin/env bash
# Scaling of a baseline cross-validation run with corpus size (issue 18): makes the synthetic
# corpora (examples/synth_corpus.rs: N documents of 8 random 20 Newsgroups sentences, seed 42),
# then times `eval --corpus F --classifiers multinomial_nb --folds 5 --repeats 1` with GNU time
# (wall seconds, peak RSS), once with the default grouping (auto: MinHash from 20,000 documents)
# and once with --near-dup-method exact, REPEATS rounds over every size and method, and prints the
# medians and the largest size's time over the smallest's.
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
methods_for() { if [ "$1" -le "$exact_max" ]; then echo "auto exact"; else echo auto; fi; }
for n in $sizes; do
    f="$dir/synth-$n.csv"
    if [ ! -f "$f" ]; then
        if [ ! -f "$source" ]; then
            echo "scaling.sh: making $f needs the 20 Newsgroups corpus, not at $source:" \
                "set SOURCE=path/to/corpus.csv" >&2
            exit 1
        fi
        target/release/examples/synth_corpus "$n" "$f" "$source"
    fi
    for m in $(methods_for "$n"); do : >"$dir/times-$n-$m"; done
done
# Repeats outermost: every size and method runs once per repeat, so a spell of load on this shared
# machine falls on all of them alike and the ratios between sizes stay comparable.
for ((r = 0; r < repeats; r++)); do
    for n in $sizes; do
        for m in $(methods_for "$n"); do
            /usr/bin/time -f '%e %M' -o "$dir/time.tmp" "$bin" eval --corpus "$dir/synth-$n.csv" \
                --classifiers multinomial_nb --folds 5 --repeats 1 --near-dup-method "$m" \
                --out "$dir/out-$n-$m" >/dev/null 2>&1
            tail -1 "$dir/time.tmp" >>"$dir/times-$n-$m"
        done
    done
done
printf '%-9s %-9s %-8s %-11s %-11s %-11s %-11s\n' docs MB method wall_s_med wall_s_range rss_GiB_med rss_GiB_max
for n in $sizes; do
    mb=$(awk -v b="$(stat -c %s "$dir/synth-$n.csv")" 'BEGIN {printf "%.0f", b / 1e6}')
    for m in $(methods_for "$n"); do
        t="$dir/times-$n-$m"
        wall=$(cut -d' ' -f1 "$t" | median)
        range=$(cut -d' ' -f1 "$t" | sort -g | sed -n '1p;$p' | paste -sd- -)
        rss=$(cut -d' ' -f2 "$t" | median | awk '{printf "%.2f", $1 / 1048576}')
        rmax=$(cut -d' ' -f2 "$t" | sort -g | tail -1 | awk '{printf "%.2f", $1 / 1048576}')
        printf '%-9s %-9s %-8s %-11s %-11s %-11s %-11s\n' "$n" "$mb" "$m" "$wall" "$range" "$rss" "$rmax"
    done
done
# The largest size's default-grouping time over the smallest's (issue 18: 100k -> 1M <= 11x), of
# the medians and per repeat (runs of one repeat are minutes apart, not hours).
first=${sizes%% *}
last=${sizes##* }
if [ "$first" != "$last" ]; then
    ratio=$(awk -v a="$(cut -d' ' -f1 "$dir/times-$last-auto" | median)" \
        -v b="$(cut -d' ' -f1 "$dir/times-$first-auto" | median)" 'BEGIN {printf "%.1f", a / b}')
    per=$(paste -d' ' <(cut -d' ' -f1 "$dir/times-$last-auto") <(cut -d' ' -f1 "$dir/times-$first-auto") |
        awk '{printf "%s%.1f", (NR > 1 ? " " : ""), $1 / $2}')
    echo "auto, $last over $first documents: ${ratio}x of the medians (per repeat: $per)"
    [ "$first" -lt 20000 ] && [ "$last" -ge 20000 ] &&
        echo "(auto is the exact grouping below 20,000 documents and MinHash from there: two methods)"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: compare ratios in one run)"
