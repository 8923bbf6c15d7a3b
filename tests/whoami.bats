#!/usr/bin/env bats
# chatctl whoami: the stored identity, profiles, config directory.
bats_require_minimum_version 1.5.0
load helper

setup() {
	common_setup
	start_server
}
teardown() { common_teardown; }

@test "not logged in exits 3" {
	run -3 --separate-stderr "$CHATCTL" whoami
	assert_output ""
	assert_equal "$stderr" "chatctl: whoami: not logged in (profile 'default')"
}

@test "after login it prints the stored user record" {
	login_as bob001
	run -0 --separate-stderr "$CHATCTL" whoami
	[ "${#lines[@]}" -eq 1 ]
	assert_output --partial '"id":2'
	assert_output --partial '"username":"bob001"'
	run -0 "$CHATCTL" whoami --jq .username -r
	assert_output bob001
	run -0 "$CHATCTL" whoami --pretty
	assert_line --index 0 "{"
	assert_line --index 1 --regexp '^  "'
}

@test "profiles are separate: -p, then CHATCTL_PROFILE" {
	login_as alice01 work
	login_as bob001 home
	run -0 "$CHATCTL" -p work whoami --jq .username -r
	assert_output alice01
	CHATCTL_PROFILE=home run -0 "$CHATCTL" whoami --jq .username -r
	assert_output bob001
	CHATCTL_PROFILE=home run -0 "$CHATCTL" -p work whoami --jq .username -r
	assert_output alice01
	run -3 "$CHATCTL" whoami
}

@test "--config and XDG_CONFIG_HOME choose the directory; nothing touches HOME" {
	unset CHATCTL_CONFIG_DIR
	login_as alice01
	[ -f "$XDG_CONFIG_HOME/chatctl/profiles/default.json" ]
	echo 123456 | "$CHATCTL" --config "$BATS_TEST_TMPDIR/other" login --username bob001 --password-stdin >/dev/null
	run -0 "$CHATCTL" --config "$BATS_TEST_TMPDIR/other" whoami --jq .username -r
	assert_output bob001
	run -0 "$CHATCTL" whoami --jq .username -r
	assert_output alice01
}

@test "an invalid profile name exits 2" {
	run -2 --separate-stderr "$CHATCTL" -p ../x whoami
	[[ $stderr == "chatctl: whoami: invalid profile name '../x'"* ]]
}

@test "a corrupt credentials file exits 6" {
	mkdir -p "$CHATCTL_CONFIG_DIR/profiles"
	echo '{"token": ' >"$CHATCTL_CONFIG_DIR/profiles/default.json"
	chmod 600 "$CHATCTL_CONFIG_DIR/profiles/default.json"
	run -6 --separate-stderr "$CHATCTL" whoami
	[[ $stderr == *"invalid credentials file"* ]]
}

@test "an invalid --jq program exits 2 before anything else" {
	login_as alice01
	run -2 --separate-stderr "$CHATCTL" whoami --jq '.['
	[[ $stderr == "chatctl: whoami: invalid --jq program: "* ]]
}
