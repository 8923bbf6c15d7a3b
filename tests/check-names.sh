#!/bin/sh
# tests/check-names.sh: lib/, serve/ and cmd/ are linked into one binary,
# so no two of them may export names from the same family.
#
#   sh tests/check-names.sh OBJECT...     check these objects (make check-names)
#   sh tests/check-names.sh --self-test   check the check, on made-up nm output
#
# An object's folder is the last part of its directory (build/serve/x.o is
# serve/). A symbol's prefix is what comes before its first "_", or the
# whole name when it has none: ws_new is ws, main is main, and the global
# store is store, the same as store_init. Each prefix may be exported from
# one folder only; a second folder exporting it fails the check, naming a
# symbol from each. That is how lib's ws_* and serve's ws_* came to share
# one binary unnoticed (as git's check-builtins.sh keeps builtins apart).
# Names starting with "_" are the toolchain's (ASan's __odr_asan.*) and
# are skipped. make passes the objects of the current sources, so a stale
# object left in the build tree by a rename does not count.

NM=${NM:-nm}

# "folder symbol object" for every symbol the objects define and export.
exports() {
	for o; do
		out=$($NM -g --defined-only "$o") || {
			echo "check-names: $NM failed on '$o'" >&2
			return 1
		}
		d=${o%/*}
		d=${d##*/}
		printf '%s\n' "$out" | awk -v d="$d" -v o="$o" 'NF == 3 { print d, $3, o }'
	done
}

# Reads exports' lines; names each prefix that a second folder exports.
clashes() {
	awk -v nobj="$1" '
	NF != 3 || $2 ~ /^_/ { next }
	{
		p = $2
		sub(/_.*/, "", p)
		if (!(p in dir)) {
			dir[p] = $1; sym[p] = $2; obj[p] = $3; n++
		} else if (dir[p] != $1 && !((p, $1) in told)) {
			told[p, $1] = 1
			printf "check-names: %s/ and %s/ both export prefix \047%s\047: %s (%s), %s (%s)\n",
			    dir[p], $1, p, sym[p], obj[p], $2, $3 > "/dev/stderr"
			bad = 1
		}
	}
	END {
		if (bad)
			print "check-names: each prefix belongs to one folder; rename one side" > "/dev/stderr"
		else
			printf "check-names: %d objects, %d prefixes, none exported from two folders\n", nobj, n
		exit bad
	}'
}

check() {
	syms=$(exports "$@") || return 1
	printf '%s\n' "$syms" | clashes $#
}

# nm as seen by the self-test: the lines of $fake whose first word is the
# object (the last argument) become its symbols; an unknown object fails.
fake_nm() {
	printf '%s\n' "$fake" | awk -v o="$3" '$1 == o { print "0000000000000000 T " $2; n++ } END { exit !n }'
}

# expect pass|fail CASE [TEXT...] -- OBJECT...: a failing check must say
# every TEXT.
expect() {
	want=$1 name=$2
	shift 2
	texts=
	while [ "$1" != -- ]; do
		texts="$texts$1
"
		shift
	done
	shift
	out=$(check "$@" 2>&1)
	got=$?
	if { [ "$want" = pass ] && [ $got -ne 0 ]; } || { [ "$want" = fail ] && [ $got -eq 0 ]; }; then
		printf 'check-names: self-test "%s": wanted %s, got:\n%s\n' "$name" "$want" "$out" >&2
		failed=1
		return
	fi
	printf '%s' "$texts" | while IFS= read -r t; do
		case $out in
		*"$t"*) ;;
		*) printf 'check-names: self-test "%s": no "%s" in:\n%s\n' "$name" "$t" "$out" >&2
		   exit 1 ;;
		esac
	done || failed=1
}

self_test() {
	NM=fake_nm
	failed=0
	fake='
o/lib/ws.o ws_new
o/lib/ws.o ws_free
o/lib/xalloc.o buf_add
o/lib/xalloc.o xmalloc
o/serve/sockets.o sock_init
o/serve/store.o store
o/serve/store.o store_init
o/serve/store.o __odr_asan.store
o/cmd/apply.o cmd_apply
o/cmd/apply.o __odr_asan.cmd_apply
o/cmd/main.o main
o/serve/planted.o ws_planted
o/cmd/bare.o store'
	today="o/lib/ws.o o/lib/xalloc.o o/serve/sockets.o o/serve/store.o o/cmd/apply.o o/cmd/main.o"
	# shellcheck disable=SC2086 # $today is a list of words
	{
		expect pass "one folder per prefix, sanitizer names skipped" -- $today
		expect fail "a planted ws_ in serve/" "lib/ and serve/ both export prefix 'ws'" \
		    "ws_new (o/lib/ws.o)" "ws_planted (o/serve/planted.o)" -- $today o/serve/planted.o
		expect fail "a bare name is its own prefix" "serve/ and cmd/ both export prefix 'store'" \
		    "store (o/serve/store.o)" "store (o/cmd/bare.o)" -- $today o/cmd/bare.o
		expect fail "nm fails" "failed on 'o/lib/missing.o'" -- $today o/lib/missing.o
	}
	[ $failed -eq 0 ] && echo "check-names: self-test passed"
}

if [ "$1" = --self-test ]; then
	self_test
	exit
fi
if [ $# -eq 0 ]; then
	echo "usage: sh tests/check-names.sh OBJECT... | --self-test" >&2
	exit 2
fi
check "$@"
