#!/usr/bin/env bash
# Side by side on one machine, in one run: topicbench's baseline and the equivalent
# scikit-learn script (benches/sklearn_baseline.py) on 20 Newsgroups train -> test, end to end
# as a user runs them (process start to report written / accuracy printed). Prints each run's
# wall time and peak memory, the medians, both accuracies and the speed ratio.
#
# Usage: benches/compare_sklearn.sh [CORPUS.csv] [RUNS]
#   CORPUS.csv defaults to ../shared/corpora/20news/corpus.csv; RUNS to 5 (alternating).
# Needs: python3 with scikit-learn (python3 -m pip install scikit-learn), GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpora/20news/corpus.csv}
runs=${2:-5}
[[ -f $corpus ]] || { echo "compare_sklearn: $corpus not found (pass a corpus CSV as the first argument)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "compare_sklearn: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 1; }
python3 -c 'import sklearn' 2>/dev/null || { echo "compare_sklearn: needs scikit-learn (python3 -m pip install scikit-learn)" >&2; exit 1; }

cargo build --release --quiet
bin=target/release/topicbench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

ours=() theirs=() ours_mem=() theirs_mem=()
for ((i = 1; i <= runs; i++)); do
    /usr/bin/time -f '%e %M' -o "$out/t" "$bin" eval --corpus "$corpus" --split test \
        --classifiers multinomial_nb --out "$out/reports" >"$out/ours.txt" 2>"$out/ours.err"
    read -r secs kb <"$out/t"; ours+=("$secs"); ours_mem+=("$kb")
    /usr/bin/time -f '%e %M' -o "$out/t" python3 benches/sklearn_baseline.py "$corpus" >"$out/theirs.txt"
    read -r secs kb <"$out/t"; theirs+=("$secs"); theirs_mem+=("$kb")
    echo "run $i: topicbench ${ours[-1]} s (${ours_mem[-1]} KB peak), scikit-learn ${theirs[-1]} s (${theirs_mem[-1]} KB peak)"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
m_ours=$(median "${ours[@]}"); m_theirs=$(median "${theirs[@]}")
acc_ours=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["classifiers"][0]; print("%.6f" % c["metrics"]["subset_accuracy"]["mean"])' "$out/reports/latest.json")
echo
echo "corpus:        $corpus"
echo "topicbench:    median $m_ours s, peak $(median "${ours_mem[@]}") KB, accuracy $acc_ours"
echo "scikit-learn:  median $m_theirs s, peak $(median "${theirs_mem[@]}") KB, $(cat "$out/theirs.txt")"
echo "speed-up:      $(python3 -c "print(f'{$m_theirs / $m_ours:.1f}x')") (median scikit-learn / median topicbench)"
