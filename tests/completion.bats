#!/usr/bin/env bats
# The completion files: each shell parses its file, and offers commands,
# options before and after the command, fixed values, apply's forms, the
# commands after "help", and profile names from the configuration
# directory the binary itself would read. tests/docs.bats checks the lists
# against the command table; this file checks how they are offered.
bats_require_minimum_version 1.5.0
load helper
load complete

setup() {
	common_setup
	mkdir -p "$CHATCTL_CONFIG_DIR/profiles" "$BATS_TEST_TMPDIR/other/profiles"
	local p
	for p in default bot work.1; do creds "$CHATCTL_CONFIG_DIR/profiles/$p.json" "$p"; done
	# Neither a profile nor a file named like one.
	: >"$CHATCTL_CONFIG_DIR/profiles/notes.txt"
	mkdir -p "$CHATCTL_CONFIG_DIR/profiles/adir.json"
	creds "$BATS_TEST_TMPDIR/other/profiles/alt.json" alt
}

# creds FILE NAME: a credentials file the binary accepts for whoami.
creds() {
	printf '{"server":"http://127.0.0.1:1","token":"t","user":{"username":"%s"}}\n' "$2" >"$1"
	chmod 600 "$1"
}

# The cases every shell must answer alike: "LINE|WORDS". Only words that
# are not options are compared when the line ends with an operand slot, as
# zsh also lists options there.
cases() {
CASES=(
	'chatctl sen|send'
	'chatctl s|send serve'
	'chatctl -p work.1 sen|send'
	'chatctl -q --max-time 3 l|listen login logout'
	'chatctl -pbot sen|send'
	'chatctl send --ty|--type'
	'chatctl send -g --ke|--keep-going'
	'chatctl send --pre|--pretty'
	'chatctl send 2 hi --ke|'
	'chatctl send 2 --pre|'
	'chatctl send -t image 2 -|'
	'chatctl send -- 2 --re|'
	'chatctl -p bot send 2 -t |'
	'chatctl -q send --type |text iconMenus image audio video'
	'chatctl listen -t |singleChat system ping pong text iconMenus image audio video systemNotice'
	'chatctl listen --type s|singleChat system systemNotice'
	'chatctl listen -n 3 --no-r|--no-reconnect'
	'chatctl h|help history'
	'chatctl history --w|--with'
	'chatctl history --with 2 --s|--server --since'
	'chatctl history -t |singleChat text iconMenus image audio video systemNotice'
	'chatctl history --group 1 --type sy|systemNotice'
	'chatctl-history --u|--until'
	'chatctl apply |list accept refuse ignore'
	'chatctl apply a|accept'
	'chatctl apply -m hi |list accept refuse ignore'
	'chatctl apply list |'
	'chatctl apply accept 12 --ni|--nickname'
	'chatctl help |login logout whoami listen send isfriend friends user apply history serve'
	'chatctl user |search'
	'chatctl-user s|search'
	'chatctl help l|listen login logout'
	'chatctl help f|friends'
	'chatctl whoami |'
	'chatctl serve --t|--test-hooks --tls-cert --tls-key'
	'chatctl serve --c|'
	'chatctl serve --s|--seed --state'
	'chatctl -p bot serve --v|--verbose --version'
	'chatctl-serve --j|'
	'chatctl isfriend --com|--compact'
	'chatctl -v serve --seed x.json --ping|--ping-interval'
	'chatctl-send --ty|--type'
	'chatctl-send -t |text iconMenus image audio video'
	'chatctl-apply |list accept refuse ignore'
	'chatctl-listen --type sy|system systemNotice'
	'chatctl -p |bot default work.1'
	'chatctl --profile w|work.1'
	'chatctl send -p |bot default work.1'
	'chatctl -vp |bot default work.1'
	"chatctl --config $BATS_TEST_TMPDIR/other -p |alt"
	"chatctl --config $BATS_TEST_TMPDIR/nowhere -p |"
)
}

# check_cases SHELL: every case, in one session of SHELL.
check_cases() {
	local sh=$1 out c line want have lines=() w bad=0
	cases
	for c in "${CASES[@]}"; do lines+=("${c%%|*}"); done
	case $sh in
	bash) out=$(for line in "${lines[@]}"; do
		read -ra w <<<"$line"
		[[ $line == *' ' ]] && w+=('')
		bash_complete "${w[@]}"
	done) ;;
	zsh) out=$(zsh_complete "${lines[@]}") || return 1 ;;
	fish) out=$(fish_complete "${lines[@]}") ;;
	esac
	for c in "${CASES[@]}"; do
		line=${c%%|*}
		# shellcheck disable=SC2086
		want=$(words ${c#*|})
		have=$(offered "$line" <<<"$out")
		[[ $line == *' ' ]] && have=$(grep -v '^-' <<<"$have")
		[ "$want" = "$have" ] || { printf '%s: "%s"\n  want: %s\n  have: %s\n' "$sh" "$line" \
			"$(echo $want)" "$(echo $have)"; bad=1; }
	done
	return $bad
}

@test "each completion file parses in its shell" {
	run -0 bash -n "$COMPLETIONS/chatctl.bash"
	run -0 zsh -n "$COMPLETIONS/_chatctl"
	run -0 fish --no-config -n "$COMPLETIONS/chatctl.fish"
}

@test "bash completes commands, options, values, forms and profiles" {
	run check_cases bash
	assert_output ''
	assert_success
}

@test "zsh completes commands, options, values, forms and profiles" {
	run check_cases zsh
	assert_output ''
	assert_success
}

@test "fish completes commands, options, values, forms and profiles" {
	run check_cases fish
	assert_output ''
	assert_success
}

@test "bash: '--opt=value' is completed after the '=' bash splits off" {
	run -0 bash_complete chatctl send --type = i
	assert_output '== chatctl send --type = i
iconMenus
image'
	run -0 bash_complete chatctl listen --type =
	assert_line system
	run -0 bash_complete chatctl --config = "$BATS_TEST_TMPDIR/other" -p ''
	assert_output "== chatctl --config = $BATS_TEST_TMPDIR/other -p 
alt"
}

@test "zsh and fish: '--opt=value' in one word" {
	run -0 zsh_complete 'chatctl send --type=i' "chatctl --config=$BATS_TEST_TMPDIR/other -p "
	assert_output "== chatctl send --type=i
iconMenus
image
== chatctl --config=$BATS_TEST_TMPDIR/other -p 
alt"
	run -0 fish_complete 'chatctl send --type=i' "chatctl --config=$BATS_TEST_TMPDIR/other -p "
	assert_output "== chatctl send --type=i
--type=iconMenus
--type=image
== chatctl --config=$BATS_TEST_TMPDIR/other -p 
alt"
}

# The config directory is CHATCTL_CONFIG_DIR, else $XDG_CONFIG_HOME/chatctl,
# else ~/.config/chatctl: the profiles offered are the ones the binary reads.
@test "profiles come from where the binary looks: CHATCTL_CONFIG_DIR, XDG_CONFIG_HOME, HOME" {
	mkdir -p "$BATS_TEST_TMPDIR/xdg/chatctl/profiles" "$HOME/.config/chatctl/profiles"
	creds "$BATS_TEST_TMPDIR/xdg/chatctl/profiles/fromxdg.json" fromxdg
	creds "$HOME/.config/chatctl/profiles/fromhome.json" fromhome
	local env sh want
	for env in config xdg home; do
		case $env in
		config) want='bot default work.1' ;;
		xdg) unset CHATCTL_CONFIG_DIR; export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg; want=fromxdg ;;
		home) unset XDG_CONFIG_HOME; want=fromhome ;;
		esac
		for p in $want; do
			run -0 "$CHATCTL" -p "$p" whoami --jq .username -r
			assert_output "$p"
		done
		run -0 bash_complete chatctl -p ''
		assert_equal "$(offered 'chatctl -p ' <<<"$output")" "$(words $want)"
		run -0 zsh_complete 'chatctl -p '
		assert_equal "$(offered 'chatctl -p ' <<<"$output")" "$(words $want)"
		run -0 fish_complete 'chatctl -p '
		assert_equal "$(offered 'chatctl -p ' <<<"$output")" "$(words $want)"
	done
}

@test "bash: the file works with the bash-completion package loaded too" {
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	run -0 bash --norc --noprofile -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"
		complete -p chatctl chatctl-send
		COMP_WORDS=(chatctl -p "") COMP_CWORD=2 COMP_LINE="chatctl -p " COMP_POINT=11
		_chatctl
		printf "%s\n" "${COMPREPLY[@]}" | sort
		COMP_WORDS=(chatctl listen --type s) COMP_CWORD=3
		_chatctl
		printf "%s\n" "${COMPREPLY[@]}" | sort' bash "$COMPLETIONS/chatctl.bash"
	assert_output "complete -F _chatctl chatctl
complete -F _chatctl chatctl-send
bot
default
work.1
singleChat
system
systemNotice"
}

@test "bash: --config, --cacert and serve's files complete paths" {
	mkdir -p "$BATS_TEST_TMPDIR/cfgdir"
	: >"$BATS_TEST_TMPDIR/cfgfile"
	run -0 bash_complete chatctl --config "$BATS_TEST_TMPDIR/cfg"
	assert_output "== chatctl --config $BATS_TEST_TMPDIR/cfg
$BATS_TEST_TMPDIR/cfgdir"
	run -0 bash_complete chatctl whoami --cacert "$BATS_TEST_TMPDIR/cfg"
	assert_output "== chatctl whoami --cacert $BATS_TEST_TMPDIR/cfg
$BATS_TEST_TMPDIR/cfgdir
$BATS_TEST_TMPDIR/cfgfile"
	run -0 bash_complete chatctl serve --seed "$BATS_TEST_TMPDIR/cfgf"
	assert_output "== chatctl serve --seed $BATS_TEST_TMPDIR/cfgf
$BATS_TEST_TMPDIR/cfgfile"
}
