#!/usr/bin/env bats
# The command table against everything that repeats it: --help, the man
# pages and the three completion files (git's t0450 doc-vs-help, for every
# command and option). Each check takes the docs or completions directory,
# so that the last tests can show each one failing on a drifted copy.
bats_require_minimum_version 1.5.0
load helper
load complete

DOCS=$BATS_TEST_DIRNAME/../docs
CMD_SRC=$BATS_TEST_DIRNAME/../cmd
MAN_DIR=${CHATCTL_MAN_DIR:-$(dirname "$CHATCTL")/man}

# What the binary says about itself, asked once per file: the commands, and
# each command's --help, --list-options and --list-defaults ("main" is
# chatctl --help).
setup_file() {
	local t=$BATS_FILE_TMPDIR/table c
	mkdir -p "$t"
	"$CHATCTL" --list-commands >"$t/commands"
	"$CHATCTL" --help >"$t/help.main"
	while read -r c; do
		"$CHATCTL" "$c" --help >"$t/help.$c"
		"$CHATCTL" "$c" --list-options >"$t/opts.$c"
		"$CHATCTL" "$c" --list-defaults >"$t/defaults.$c"
	done <"$t/commands"
}

setup() {
	common_setup
	T=$BATS_FILE_TMPDIR/table
}
teardown() { common_teardown; }

commands() { cat "$T/commands"; }
help_of() { cat "$T/help.${1:-main}"; }
opts_of() { cat "$T/opts.$1"; }
all_opts() { sort -u "$T"/opts.*; }

# The global options, from the "global options" part of chatctl --help.
global_opts() {
	help_of | sed -n '/^global options/,/^$/p' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

# A command's own options: its --list-options without the global ones.
own_opts() {
	opts_of "$1" | sort -u | comm -23 - <(global_opts)
}

# help_terms CMD|"" SECTION: the option terms ("-t, --type TYPE",
# "--raw") of one part ("options" or "global options") of the --help text.
help_terms() {
	local line re='^  (-([A-Za-z0-9]), |    )--([a-z0-9-]+)( ([A-Z][A-Z_:]*))?( |$)'
	help_of "$1" | sed -n "/^$2[: (]/,/^\$/p" | while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		printf '%s--%s%s\n' "${BASH_REMATCH[2]:+-${BASH_REMATCH[2]}, }" "${BASH_REMATCH[3]}" \
			"${BASH_REMATCH[5]:+ ${BASH_REMATCH[5]}}"
	done | sort -u
}

# scd_section FILE NAME: the lines of one "# NAME" section of a page.
scd_section() {
	awk -v h="# $2" '/^# / { on = ($0 == h); next } on' "$1"
}

# Plain text of scdoc markup: escapes, *bold*, _underline_ at word edges.
unmark() {
	sed -e 's/\\\(.\)/\1/g' -e 's/\*//g' -e 's/\(^\|[[:space:][(|]\)_/\1/g' \
		-e 's/_\([[:space:]|.,;:)]\|]\|$\)/\1/g'
}

# man_terms FILE: the option terms of the page's OPTIONS section (the lines
# that are an option in bold, with its argument), as help_terms prints them.
man_terms() {
	scd_section "$1" OPTIONS |
		grep -E '^(\*-[A-Za-z0-9]\*, )?\*--[a-z0-9-]+\*( _[A-Z:\\_]+_)?$' | unmark | sort -u
}

# man_entry FILE OPTION: the text of OPTION's entry in the page's OPTIONS
# section (its term line to the next one), plain, on one line.
man_entry() {
	scd_section "$1" OPTIONS | awk -v o="*$2*" '
		/^(\*-[A-Za-z0-9]\*, )?\*--[a-z0-9-]+\*( _[A-Z:\\_]+_)?$/ { on = index($0, o) > 0; next }
		on' | unmark | tr -s ' \t\n' '   '
}

# Each option with a default, as "PAGE --name VALUE": a command's own
# options in its page, the globals in chatctl.1.scd.
default_rows() {
	local c o v
	for c in $(commands); do
		while read -r o v; do
			if global_opts | grep -qx -- "$o"; then
				echo "chatctl.1.scd $o $v"
			else
				echo "chatctl-$c.1.scd $o $v"
			fi
		done <"$T/defaults.$c"
	done | sort -u
}

# render FILE: a page as man shows it, with lines long enough that no
# paragraph is broken.
render() {
	scdoc <"$1" >"$BATS_TEST_TMPDIR/page.1" &&
		MANWIDTH=1000 man -l "$BATS_TEST_TMPDIR/page.1" 2>&1 | col -b
}

# examples FILE: each command line of the EXAMPLES section (the lines of
# its ``` blocks), unescaped.
examples() {
	scd_section "$1" EXAMPLES | awk '/^```/ { on = !on; next } on' | sed 's/\\\(.\)/\1/g'
}

# Each option row of the table, with its fixed set of values if it has one,
# read from the C source since the binary does not print them:
# "CMD --name a|b|c". The rows of cmd/main.c are the globals ("chatctl").
# A row is { name, key, arg, help, values, default }; the help and the
# default may use a macro (CONFIG_DEFAULT_SERVER).
table_rows() {
	perl -0ne '
		my $c = $ARGV =~ s{.*/}{}r =~ s{\.c$}{}r;
		$c = "chatctl" if $c eq "main";
		my $s = q{"(?:[^"\\\\]|\\\\.)*"};
		my $w = qq{(?:$s|[A-Z][A-Z_]*)};
		while (/\{\s*"([a-z][a-z0-9-]*)",\s*(?:\x27.\x27|0),\s*(?:$s|NULL),\s*$w(?:\s*$w)*,\s*($s|NULL),\s*$w\s*\}/g) {
			my ($n, $v) = ($1, $2);
			$v = $v eq "NULL" ? "" : substr($v, 1, -1);
			print "$c --$n $v\n";
		}' "$CMD_SRC"/*.c
}
value_rows() { table_rows | awk '$3 != ""'; }

# The literal words of apply's synopsis: its first operand's forms.
apply_forms() {
	help_of apply | head -n 1 | tr ' |' '\n\n' | grep -x '[a-z]\+' | grep -vx -e chatctl -e apply | sort -u
}

# answers DIR SHELL: what SHELL completes, with the files of DIR, for every
# line the checks ask about; asked once per shell and content of DIR.
answers() {
	local dir=$1 sh=$2 key out l c o v
	local -a lines=('chatctl ' 'chatctl apply ') w
	key=$(cat "$dir"/* | md5sum | cut -c1-16)
	out=$BATS_FILE_TMPDIR/answers.$sh.$key
	if [ ! -s "$out" ]; then
		for c in $(commands); do lines+=("chatctl $c --" "chatctl $c -"); done
		while read -r c o v; do lines+=("chatctl $c $o "); done < <(value_rows)
		case $sh in
		bash)
			for l in "${lines[@]}"; do
				read -ra w <<<"$l"
				[[ $l == *' ' ]] && w+=('')
				COMPLETIONS=$dir bash_complete "${w[@]}"
			done ;;
		zsh) COMPLETIONS=$dir zsh_complete "${lines[@]}" ;;
		fish) COMPLETIONS=$dir fish_complete "${lines[@]}" ;;
		esac >"$out.tmp" && mv "$out.tmp" "$out"
	fi
	cat "$out"
}

# --- the checks: each prints what is wrong and fails, or is silent ---------

check_help() {
	local c o bad=0
	for c in $(commands); do
		for o in $(opts_of "$c"); do
			help_of "$c" | grep -qE -- "(^|[ ,])$o( |$)" || { echo "$c --help lacks $o"; bad=1; }
		done
	done
	return $bad
}

check_man_pages() {
	local want have
	# Section 7: the pages that are about no one command.
	want=$( (echo chatctl.1.scd chatctl-frames.7.scd | tr ' ' '\n'; commands | sed 's/.*/chatctl-&.1.scd/') | sort)
	have=$(cd "$1" && ls -- *.scd | sort)
	diff -u --label "the table's pages" --label "$1" <(echo "$want") <(echo "$have")
}

check_man_synopsis() {
	local c want have text bad=0
	for c in $(commands); do
		text=$(render "$1/chatctl-$c.1.scd")
		want=$(help_of "$c" | head -n 1 | sed -e 's/^usage: //' -e 's/ *$//')
		have=$(sed -n '/^SYNOPSIS/{n;p;}' <<<"$text" | sed -e 's/^ *//' -e 's/ *$//')
		[ "$want" = "$have" ] ||
			{ printf '%s SYNOPSIS:\n  table: %s\n  man:   %s\n' "$c" "$want" "$have"; bad=1; }
		want="chatctl-$c - $(help_of "$c" | sed -n 3p)"
		have=$(sed -n '/^NAME/{n;p;}' <<<"$text" | sed -e 's/^ *//' -e 's/ *$//')
		[ "$want" = "$have" ] ||
			{ printf '%s NAME:\n  table: %s\n  man:   %s\n' "$c" "$want" "$have"; bad=1; }
	done
	return $bad
}

check_man_options() {
	local c o bad=0
	for c in $(commands); do
		diff -u --label "chatctl $c --help" --label "chatctl-$c.1 OPTIONS" \
			<(help_terms "$c" options) <(man_terms "$1/chatctl-$c.1.scd") || bad=1
		# No page names an option its command lacks.
		for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$1/chatctl-$c.1.scd" | sort -u); do
			opts_of "$c" | grep -qx -- "$o" || { echo "chatctl-$c.1 names $o"; bad=1; }
		done
	done
	diff -u --label "chatctl --help" --label "chatctl.1 OPTIONS" \
		<(help_terms "" "global options") <(man_terms "$1/chatctl.1.scd") || bad=1
	for o in $(grep -o -- '--[a-z][a-z0-9-]*' "$1/chatctl.1.scd" | sort -u); do
		all_opts | grep -qx -- "$o" || { echo "chatctl.1 names $o"; bad=1; }
	done
	return $bad
}

# Each option's entry in its page says "default X" with the table's X.
check_man_defaults() {
	local page o v bad=0
	while read -r page o v; do
		man_entry "$1/$page" "$o" | grep -qF -- "default $v" ||
			{ echo "${page%.scd} $o: no 'default $v'"; bad=1; }
	done < <(default_rows)
	return $bad
}

check_man_commands() {
	local f w bad=0
	for f in "$1"/*.scd; do
		for w in $(grep -o -e '\*chatctl [a-z]\+' -e 'chatctl-[a-z]\+\*\?(1)' "$f" |
			sed -e 's/^\*chatctl //' -e 's/^chatctl-//' -e 's/\*\?(1)$//' | sort -u); do
			[ "$w" = help ] || commands | grep -qx -- "$w" || { echo "${f##*/} names command '$w'"; bad=1; }
		done
	done
	return $bad
}

# Each shell offers, for "chatctl ", exactly the commands and "help"; for
# "chatctl CMD --", exactly CMD's --list-options; for "chatctl CMD -", the
# short letters of CMD --help among them.
check_completion_options() {
	local sh c out bad=0
	for sh in bash zsh fish; do
		out=$(answers "$1" $sh) || return 1
		diff -u --label "table: commands" --label "$sh: chatctl " \
			<( (commands; echo help) | sort -u) <(offered 'chatctl ' <<<"$out") || bad=1
		for c in $(commands); do
			diff -u --label "table: $c --list-options" --label "$sh: chatctl $c --" \
				<(opts_of "$c" | sort -u) <(offered "chatctl $c --" <<<"$out") || bad=1
			diff -u --label "table: $c short options" --label "$sh: chatctl $c -" \
				<( (help_terms "$c" options; help_terms "$c" "global options") | grep -o '^-[^-]' | sort -u) \
				<(offered "chatctl $c -" <<<"$out" | grep -x -- '-[^-]') || bad=1
		done
	done
	return $bad
}

# Options with a fixed set of values offer exactly that set; "apply"
# offers the literal words of its synopsis as its first operand.
check_completion_values() {
	local sh c o v out bad=0
	for sh in bash zsh fish; do
		out=$(answers "$1" $sh) || return 1
		while read -r c o v; do
			diff -u --label "table: $c $o values" --label "$sh: chatctl $c $o" \
				<(tr '|' '\n' <<<"$v" | sort -u) <(offered "chatctl $c $o " <<<"$out") || bad=1
		done < <(value_rows)
		diff -u --label "table: apply synopsis words" --label "$sh: chatctl apply" \
			<(apply_forms) <(offered 'chatctl apply ' <<<"$out") || bad=1
	done
	return $bad
}

# No completion file names an option or a command the table lacks.
check_completion_names() {
	local f o w bad=0
	for f in "$1"/chatctl.bash "$1"/_chatctl "$1"/chatctl.fish; do
		# Comments aside; fish names long options "-l NAME".
		for o in $( (grep -v '^[[:space:]]*#' "$f" | grep -o -- '--[a-z][a-z0-9-]*'
			grep '^[[:space:]]*complete ' "$f" | grep -o -- ' -l [a-z][a-z0-9-]*' |
				sed 's/^ -l /--/') | sort -u); do
			all_opts | grep -qx -- "$o" || { echo "${f##*/} names $o"; bad=1; }
		done
		for w in $(grep -o 'chatctl-[a-z]\+' "$f" | sed 's/^chatctl-//' | sort -u); do
			commands | grep -qx -- "$w" || { echo "${f##*/} names chatctl-$w"; bad=1; }
		done
	done
	return $bad
}

# --- the table, --help and the man pages -------------------------------------

@test "every option of every command is in its --help" {
	run check_help
	assert_output ''
	assert_success
}

@test "'help', which the completions offer, is a command word the dispatcher takes" {
	run -0 --separate-stderr "$CHATCTL" help
	assert_line --index 0 'usage: chatctl [OPTIONS] COMMAND [ARGS...]'
	run -0 --separate-stderr "$CHATCTL" help send
	assert_line --index 0 --partial 'usage: chatctl send '
}

@test "the C option rows read for their values are exactly the table's options" {
	local c
	for c in $(commands); do
		assert_equal "$(table_rows | awk -v c="$c" '$1 == c { print $2 }' | sort -u)" "$(own_opts "$c")"
	done
	assert_equal "$(table_rows | awk '$1 == "chatctl" { print $2 }' | sort -u)" "$(global_opts)"
}

@test "one man page per command and chatctl(1), and no other" {
	run check_man_pages "$DOCS"
	assert_output ''
	assert_success
}

@test "each page's SYNOPSIS is the table's synopsis and its NAME line the summary" {
	run check_man_synopsis "$DOCS"
	assert_output ''
	assert_success
}

@test "each page's OPTIONS are its command's options, and the globals are in chatctl(1)" {
	run check_man_options "$DOCS"
	assert_output ''
	assert_success
}

@test "each page states the defaults of its options as the table has them" {
	run check_man_defaults "$DOCS"
	assert_output ''
	assert_success
	# Not vacuous: the table has defaults, and the entries are read.
	[ "$(default_rows | wc -l)" -ge 10 ]
	man_entry "$DOCS/chatctl-listen.1.scd" --heartbeat | grep -qF 'every SECS seconds (default 25)'
}

@test "the pages name no command the table lacks" {
	run check_man_commands "$DOCS"
	assert_output ''
	assert_success
}

@test "make built every page, and man renders each without a warning or a hyphenated word" {
	local f page
	for f in "$DOCS"/*.scd; do
		page=$MAN_DIR/$(basename "$f" .scd)
		[ -f "$page" ] || fail "$page was not built"
		[ ! "$f" -nt "$page" ] || fail "$page is older than $f"
		run -0 --separate-stderr env LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -l "$page"
		[ -z "$stderr" ] || fail "$page: $stderr"
		# No word, least of all an option or a page name, is split at a line end.
		if grep -nE "(‐|[[:alnum:]]-)$" <<<"$output"; then fail "$page splits a word"; fi
		assert_output --partial 'EXAMPLES'
		assert_output --partial 'SEE ALSO'
	done
}

@test "chatctl(1) has every exit code, the environment and the files" {
	local text w code
	text=$(render "$DOCS/chatctl.1.scd")
	for w in CHATCTL_SERVER CHATCTL_PROFILE CHATCTL_CONFIG_DIR CHATCTL_TOKEN CHATCTL_PASSWORD \
		XDG_CONFIG_HOME profiles/NAME.json 'EXIT STATUS'; do
		grep -qF -- "$w" <<<"$text" || fail "chatctl(1) lacks $w"
	done
	for code in 0 1 2 3 4 5 6; do
		grep -qE "^[[:space:]]*(│|\\|)[[:space:]]*$code[[:space:]]+(│|\\|)" <<<"$text" ||
			fail "chatctl(1) lacks exit code $code"
	done
}

# Every EXAMPLES line runs as written, against `chatctl serve` with the test
# seed, as alice01 (profile default) and bob001 (profile bot), logged in
# again after a line that logs out. It must be accepted (no exit 2, no
# "try 'chatctl ... --help'") and work: exit 0, or 1 where the server says
# no (user 7 does not exist). "chatctl" is a wrapper that points every run at the test
# server and keeps it short: listen gets --idle 0.1 and --no-reconnect, send
# --retry 0, and serve listens on a free port and is stopped once it says
# it is listening (or has exited, or 5 s have passed: tests/lib.sh's wait_for,
# quiet, since the example's own stderr is what is judged). send's options
# go right after its command word, since every word after TO is text.
@test "every man page example runs against chatctl serve" {
	local f line n=0 wrap=$BATS_TEST_TMPDIR/wrap run=$BATS_TEST_TMPDIR/run
	start_server
	mkdir -p "$wrap" "$run"
	cp "$FIXTURES/seed.json" "$run/seed.json"
	cat >"$wrap/chatctl" <<-EOF
		#!/bin/sh
		cmd=
		for a; do
			case \$a in
			login|logout|whoami|listen|send|isfriend|apply|history|serve|help) cmd=\$a; break ;;
			esac
		done
		case \$cmd in
		listen) exec "$CHATCTL" "\$@" --server "$SERVER_URL" --idle 0.1 --no-reconnect ;;
		send)
			# Its options go before TO: right after the command word.
			done=
			for a; do
				shift
				set -- "\$@" "\$a"
				if [ "\$a" = send ] && [ -z "\$done" ]; then
					set -- "\$@" --server "$SERVER_URL" --retry 0
					done=1
				fi
			done
			exec "$CHATCTL" "\$@" ;;
		serve)
			. "$BATS_TEST_DIRNAME/lib.sh"
			err=\$(mktemp)
			"$CHATCTL" "\$@" --listen 127.0.0.1:0 2>"\$err" &
			pid=\$!
			wait_for -p \$pid "\$err" 'listening on' 2>/dev/null || :
			kill -TERM \$pid 2>/dev/null
			wait \$pid
			st=\$?
			cat "\$err" >&2
			rm -f "\$err"
			exit \$st ;;
		*) exec "$CHATCTL" "\$@" --server "$SERVER_URL" ;;
		esac
	EOF
	chmod +x "$wrap/chatctl"
	export PASSWORD=123456
	login_as alice01 && login_as bob001 bot || fail "cannot log in"
	cd "$run"
	for f in "$DOCS"/*.scd; do
		[ -n "$(examples "$f")" ] || fail "${f##*/} has no examples"
		while IFS= read -r line; do
			[[ $line == *chatctl* ]] || fail "${f##*/}: an example without chatctl: $line"
			run --separate-stderr timeout 10 env PATH="$wrap:$PATH" bash -o pipefail -c "$line" </dev/null
			if ((status > 1)) || [[ $stderr == *"try 'chatctl"* ]]; then
				fail "${f##*/}: '$line' exits $status: $stderr"
			fi
			if [[ $line == *logout* ]]; then login_as alice01 && login_as bob001 bot || fail "cannot log in"; fi
			n=$((n + 1))
		done < <(examples "$f")
	done
	((n >= 20))
}

# --- the table and the completions --------------------------------------------

@test "the three completions offer exactly the commands, and each command's options" {
	run check_completion_options "$COMPLETIONS"
	assert_output ''
	assert_success
}

@test "the three completions offer the fixed values of options and apply's forms" {
	run check_completion_values "$COMPLETIONS"
	assert_output ''
	assert_success
}

@test "the completion files name no option or command the table lacks" {
	run check_completion_names "$COMPLETIONS"
	assert_output ''
	assert_success
}

# --- the checks catch drift ------------------------------------------------------

# drifted: fresh copies of the docs and completions to spoil, in $D.
drifted() {
	D=$BATS_TEST_TMPDIR/drift
	rm -rf "$D"
	mkdir -p "$D"
	cp -r "$DOCS" "$D/docs"
	cp -r "$COMPLETIONS" "$D/completions"
}

@test "drift: a page that loses an option, gains one, or changes its argument fails" {
	drifted
	sed -i '/^\*--max-frame\*/,+2d' "$D/docs/chatctl-listen.1.scd"
	sed -i 's/^# OPTIONS$/&\n\n*--frobnicate*\n\tNot an option./' "$D/docs/chatctl-send.1.scd"
	sed -i 's/^\*--insecure\*$/*--insecure* _HOW_/' "$D/docs/chatctl.1.scd"
	run -1 check_man_options "$D/docs"
	assert_line -- '---max-frame BYTES'
	assert_line -- '+--frobnicate'
	assert_line 'chatctl-send.1 names --frobnicate'
	assert_line -- '+--insecure HOW'
}

@test "drift: a page that states another default for an option, or none, fails" {
	drifted
	sed -i '/^\*--heartbeat\*/,/^$/s/(default 25)/(default 20)/' "$D/docs/chatctl-listen.1.scd"
	sed -i '/^\*--connect-timeout\*/,/^$/s/ (default 10)//' "$D/docs/chatctl.1.scd"
	run -1 check_man_defaults "$D/docs"
	assert_line "chatctl-listen.1 --heartbeat: no 'default 25'"
	assert_line "chatctl.1 --connect-timeout: no 'default 10'"
	assert_equal "${#lines[@]}" 2
}

@test "drift: a changed SYNOPSIS, a missing page or an unknown command fails" {
	drifted
	sed -i 's/ \[\*--retry\* _N_\]//' "$D/docs/chatctl-send.1.scd"
	run -1 check_man_synopsis "$D/docs"
	assert_line 'send SYNOPSIS:'
	rm "$D/docs/chatctl-whoami.1.scd"
	run -1 check_man_pages "$D/docs"
	assert_line -- '-chatctl-whoami.1.scd'
	echo '*chatctl-frob*(1)' >>"$D/docs/chatctl.1.scd"
	run -1 check_man_commands "$D/docs"
	assert_output "chatctl.1.scd names command 'frob'"
}

@test "drift: a completion file that loses or gains an option or a value fails" {
	drifted
	sed -i 's/ --no-dedupe//' "$D/completions/chatctl.bash"
	sed -i '/--no-dedupe/d' "$D/completions/_chatctl"
	sed -i '/-l no-dedupe/d' "$D/completions/chatctl.fish"
	sed -i 's/-l raw -d/-l raw-data -d/' "$D/completions/chatctl.fish"
	sed -i 's/ audio video systemNotice/ audio video/' "$D/completions/chatctl.bash"
	run -1 check_completion_options "$D/completions"
	assert_line '+++ bash: chatctl listen --'
	assert_line '+++ zsh: chatctl listen --'
	assert_line '+++ fish: chatctl listen --'
	assert_line -- '---no-dedupe'
	assert_line -- '+--raw-data'
	run -1 check_completion_names "$D/completions"
	assert_output 'chatctl.fish names --raw-data'
	run -1 check_completion_values "$D/completions"
	assert_line '+++ bash: chatctl listen --type'
	assert_line -- '-systemNotice'
}
