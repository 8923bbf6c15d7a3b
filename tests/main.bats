#!/usr/bin/env bats
# The dispatcher: multi-call names, help, usage errors, global options.
bats_require_minimum_version 1.5.0
load helper

setup() { common_setup; }

@test "chatctl --help lists every command and exits 0" {
	run --separate-stderr "$CHATCTL" --help
	assert_success
	[ -z "$stderr" ]
	for c in $("$CHATCTL" --list-commands); do
		assert_output --partial "  $c "
	done
}

@test "each command answers --help, 'help CMD' and 'CMD --help' alike, with an empty stderr" {
	for c in $("$CHATCTL" --list-commands); do
		run --separate-stderr "$CHATCTL" "$c" --help
		assert_success
		[ -z "$stderr" ]
		assert_line --index 0 --partial "usage: chatctl $c"
		local a=$output
		run --separate-stderr "$CHATCTL" help "$c"
		assert_success
		[ "$output" = "$a" ]
		run --separate-stderr "chatctl-$c" --help
		assert_success
		[ "$output" = "$a" ]
	done
}

@test "a link named chatctl-CMD or CMD runs that command" {
	ln -s "$CHATCTL" "$BATS_TEST_TMPDIR/whoami"
	run -3 --separate-stderr "$BATS_TEST_TMPDIR/whoami"
	assert_equal "$stderr" "chatctl: whoami: not logged in (profile 'default')"
	run -3 --separate-stderr chatctl-whoami
	assert_equal "$stderr" "chatctl: whoami: not logged in (profile 'default')"
}

@test "no command is a usage error" {
	run -2 --separate-stderr "$CHATCTL"
	assert_equal "$output" ""
	[[ $stderr == usage:* ]]
}

@test "an unknown command exits 2 with a one-line hint" {
	run -2 --separate-stderr "$CHATCTL" frobnicate
	assert_equal "$stderr" "chatctl: unknown command 'frobnicate'
try 'chatctl --help'"
	run -2 --separate-stderr "$CHATCTL" help frobnicate
	assert_equal "$stderr" "chatctl: unknown command 'frobnicate'
try 'chatctl --help'"
}

@test "an unknown option exits 2 with a hint naming the command" {
	run -2 --separate-stderr "$CHATCTL" send --bogus 2 hi
	assert_equal "$stderr" "chatctl: send: unknown option '--bogus'
try 'chatctl send --help'"
	run -2 --separate-stderr "$CHATCTL" --bogus
	assert_equal "$stderr" "chatctl: unknown option '--bogus'
try 'chatctl --help'"
	run -2 --separate-stderr "$CHATCTL" whoami -Z
	assert_equal "$stderr" "chatctl: whoami: unknown option '-Z'
try 'chatctl whoami --help'"
}

@test "a missing option value or operand exits 2" {
	run -2 --separate-stderr "$CHATCTL" send --type
	assert_equal "$stderr" "chatctl: send: option '--type' needs a value
try 'chatctl send --help'"
	run -2 --separate-stderr "$CHATCTL" isfriend
	[[ $stderr == "chatctl: isfriend: missing argument: ID"* ]]
	run -2 --separate-stderr "$CHATCTL" whoami extra
	assert_equal "$stderr" "chatctl: whoami: unexpected argument 'extra'
try 'chatctl whoami --help'"
}

@test "bad numbers for global options exit 2" {
	run -2 --separate-stderr "$CHATCTL" --max-time abc whoami
	[[ $stderr == *"invalid --max-time 'abc'"* ]]
	run -2 --separate-stderr "$CHATCTL" whoami --connect-timeout -1
	[[ $stderr == *"invalid --connect-timeout '-1'"* ]]
}

@test "--version names chatctl, libwebsockets with its OpenSSL, and libjq" {
	run --separate-stderr "$CHATCTL" --version
	assert_success
	assert_line --index 0 --regexp '^chatctl [0-9]+\.[0-9]+\.[0-9]+$'
	assert_line --index 1 --regexp '^libwebsockets [0-9.]+.* \(OpenSSL [0-9.]+'
	assert_line --index 2 --regexp '^libjq [0-9.]+'
}

# DESIGN.md: a one-shot command should not pay for loading what it does
# not run. libwebsockets and sqlite come from their static archives; and
# no libcurl, whose 25 libraries (LDAP, Kerberos, GnuTLS...) cost 11 ms a
# process here, half of what curl itself takes for a request.
@test "the one-shot commands load neither libwebsockets, libsqlite3 nor libcurl" {
	run -0 ldd "$CHATCTL"
	refute_output --partial libwebsockets
	refute_output --partial libsqlite3
	refute_output --partial libcurl
	refute_output --partial libgnutls
	assert_output --partial libssl
}

@test "global options work before and after the command" {
	start_server
	login_as alice01
	run --separate-stderr "$CHATCTL" --compact -s "$SERVER_URL" isfriend 2
	assert_success
	run --separate-stderr "$CHATCTL" isfriend 2 --compact -s "$SERVER_URL" --jq .friend_id
	assert_success
	assert_output 2
}

@test "-c is --compact, as in jq, before or after the command" {
	start_server
	login_as alice01
	run -0 --separate-stderr "$CHATCTL" --pretty -c isfriend 2
	[ "${#lines[@]}" -eq 1 ]
	run -0 --separate-stderr "$CHATCTL" whoami --pretty -c
	[ "${#lines[@]}" -eq 1 ]
	run -0 --separate-stderr "$CHATCTL" -c --pretty whoami
	assert_line --index 0 "{"
	"$CHATCTL" isfriend --help | grep -q -- '^  -c, --compact '
}

@test "serve's --help and option table have only the global options that apply to it" {
	run -0 --separate-stderr "$CHATCTL" serve --help
	local globals
	globals=$(sed -n '/^global options:/,$p' <<<"$output" | grep -o -- '--[a-z-]*' | sort | tr '\n' ' ')
	assert_equal "$globals" "--help --quiet --verbose --version "
	run -0 "$CHATCTL" serve --list-options
	refute_line -- --server
	refute_line -- --jq
	refute_line -- --cacert
	assert_line -- --verbose
	run -2 --separate-stderr "$CHATCTL" serve --jq .
	assert_equal "$stderr" "chatctl: serve: unknown option '--jq'
try 'chatctl serve --help'"
	run -2 --separate-stderr "$CHATCTL" serve -s http://x
	assert_equal "$stderr" "chatctl: serve: unknown option '-s'
try 'chatctl serve --help'"
	# Every client command keeps them all.
	run -0 "$CHATCTL" whoami --help
	assert_output --partial -- '--cacert FILE'
}

@test "--list-commands and --list-options read the command table" {
	run "$CHATCTL" --list-commands
	assert_success
	assert_output "login
logout
whoami
listen
send
isfriend
friends
user
apply
history
serve"
	run "$CHATCTL" send --list-options
	assert_success
	assert_line --partial -- "--group"
	assert_line -- "--jq"
}

@test "the demo (make demo) shows login, isfriend, apply, send and listen working" {
	cd "$BATS_TEST_DIRNAME/.."
	run -0 env CHATCTL="$CHATCTL" sh tools/demo.sh
	assert_output --partial "bob and alice are friends; bob calls her Alice-remark"
	assert_output --partial "(exit 1: carol is not a friend yet)"
	assert_line --regexp '^\{"type":"singleChat",.*hello bob, from a pipe'
	assert_line "demo done: see README.md for more."
}

teardown() { common_teardown; }
