#!/bin/sh
# tests/fuzz/run.sh DIR SECONDS ARGS TARGET...: run each fuzz target built
# in DIR for SECONDS (make fuzz: FUZZ_TIME), with the extra libFuzzer
# options ARGS (one word list, may be empty).
#
# Each target starts from its seeds in tests/fuzz/corpus/<target>/ and
# writes what it finds to DIR/corpus/<target>/, a scratch directory that
# grows from run to run; the repository's corpus is only read. JSON targets
# get tests/fuzz/json.dict. A hang (-timeout, 5 s) counts as a crash.
# For every target one line says how many inputs ran and whether it stayed
# clean; a failure shows the end of its log and the input that did it
# (DIR/crashes/), and the script fails once all targets have run.
# Reproduce one with: DIR/<target> DIR/crashes/<file>
set -u

dir=$1 secs=$2 args=$3
shift 3
mkdir -p "$dir/crashes"
failed=

for t; do
	case $t in
	url) dict= ;;
	*) dict=-dict=tests/fuzz/json.dict ;;
	esac
	mkdir -p "$dir/corpus/$t"
	log=$dir/$t.log
	start=$(date +%s)
	# shellcheck disable=SC2086 # $dict and $args are word lists
	"$dir/$t" -max_total_time="$secs" -timeout=5 -print_final_stats=1 \
	    -artifact_prefix="$dir/crashes/$t-" $dict $args \
	    "$dir/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	elapsed=$(( $(date +%s) - start ))
	runs=$(sed -n "s/^stat::number_of_executed_\(runs\|units\): *//p" "$log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "fuzz: $t: ${runs:-?} runs in ${elapsed} s, clean"
	else
		tail -n 40 "$log" >&2
		echo "fuzz: $t: FAILED after ${runs:-?} runs in ${elapsed} s (exit $rc); log: $log" >&2
		failed="$failed $t"
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed; inputs in $dir/crashes/" >&2
	exit 1
fi
