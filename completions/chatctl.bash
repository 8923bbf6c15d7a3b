# bash completion for chatctl                              -*- shell-script -*-
#
# Static lists, so that completing never runs the binary. tests/docs.bats
# checks them against the command table (chatctl --list-commands,
# chatctl CMD --list-options, CMD --help): a command or option added there
# and not here fails the suite. Works with or without the bash-completion
# package loaded.

_chatctl_commands='login logout whoami listen send isfriend friends user apply history serve'

# Global options, accepted before or after the command word. After its
# command word, serve (no client) takes only the common ones.
_chatctl_common_flags='-v --verbose -q --quiet -h --help --version'
_chatctl_global_flags='-r --raw-output -c --compact --pretty --insecure'
_chatctl_global_args='-s --server -p --profile --config --jq --connect-timeout
	--max-time --max-response --cacert'

# _chatctl_opts CMD: the flags (in _chatctl_flags) and the options taking a
# value (in _chatctl_args) of one command, globals left out; _chatctl
# declares both local.
_chatctl_opts()
{
	_chatctl_flags= _chatctl_args=
	case $1 in
	login)
		_chatctl_flags='--password-stdin --print-token'
		_chatctl_args='--username' ;;
	listen)
		_chatctl_flags='--heartbeats --no-reconnect --no-offline --no-dedupe
			--new --no-store --tips'
		_chatctl_args='-t --type --from -n --count --idle --timeout --heartbeat
			--backoff-max --max-frame --consumer --keep' ;;
	send)
		_chatctl_flags='-g --group --raw --lines --json -k --keep-going'
		_chatctl_args='-t --type --options --retry' ;;
	apply)
		_chatctl_args='-m --message --page --limit --nickname' ;;
	history)
		_chatctl_args='--with --group --since --until -n --limit -t --type' ;;
	serve)
		_chatctl_flags='--no-tips --force-logout --test-hooks'
		_chatctl_args='--listen --seed --state --tls-cert --tls-key --ping-interval --max-connections' ;;
	esac
}

# The fixed values of an option of a command (the table's "values").
_chatctl_values()
{
	case $1:$2 in
	send:-t | send:--type)
		echo 'text iconMenus image audio video' ;;
	history:-t | history:--type)
		echo 'singleChat text iconMenus image audio video systemNotice' ;;
	listen:-t | listen:--type)
		echo 'singleChat system ping pong text iconMenus image audio video systemNotice' ;;
	esac
}

# _chatctl_profiles DIR: the profile names stored under config dir DIR.
_chatctl_profiles()
{
	local f names=()
	for f in "$1"/profiles/*.json; do
		[[ -f $f ]] || continue
		f=${f##*/}
		names+=("${f%.json}")
	done
	printf '%s\n' "${names[@]}"
}

# Is $1 one of the words in $2?
_chatctl_in()
{
	[[ " ${2//[$'\t\n']/ } " == *" $1 "* ]]
}

_chatctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local name=${COMP_WORDS[0]##*/} cmd= config= opt= word i
	local _chatctl_flags _chatctl_args
	local -a operands=()
	local IFS=$' \t\n'

	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# "--type=te": bash splits at '=' (COMP_WORDBREAKS), giving the words
	# "--type" "=" "te"; "--type=" alone ends with the word "=".
	if [[ $cur == = ]]; then
		opt=$prev cur=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		opt=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} cur=${cur#*=}
	fi

	# A link named chatctl-CMD runs CMD.
	[[ $name == chatctl-* ]] && cmd=${name#chatctl-}

	# Walk the words before the cursor: the command word, the operands after
	# it, and --config (it changes where profiles are).
	_chatctl_opts "$cmd"
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ ${COMP_WORDS[i + 1]-} == = ]]; then
			# "--opt" "=" "value": the value is two words on.
			[[ $word == --config ]] && config=${COMP_WORDS[i + 2]-}
			((i += 2))
			continue
		fi
		case $word in
		--config=*) config=${word#--config=} ;;
		--*=*) ;;
		--*)
			if _chatctl_in "$word" "$_chatctl_global_args $_chatctl_args"; then
				[[ $word == --config ]] && config=${COMP_WORDS[i + 1]-}
				((i++))
			fi ;;
		-?*)
			# A cluster of short flags; the first one that takes a value
			# takes the rest of the word, or the next word.
			local j c
			for ((j = 1; j < ${#word}; j++)); do
				c=-${word:j:1}
				if _chatctl_in "$c" "$_chatctl_global_args $_chatctl_args"; then
					((j == ${#word} - 1)) && ((i++))
					break
				fi
			done ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=$word
				_chatctl_opts "$cmd"
			else
				operands+=("$word")
			fi ;;
		esac
	done

	# After send's TO every word is message text: nothing to offer.
	[[ $cmd == send ]] && ((${#operands[@]} > 0)) && return 0

	# The value of an option.
	if [[ -z $opt ]] && _chatctl_in "$prev" "$_chatctl_global_args $_chatctl_args"; then
		opt=$prev
	elif [[ -z $opt && $prev == -[!-]?* ]]; then
		# "-vp": flags, then one that takes a value from the next word.
		local j
		for ((j = 1; j < ${#prev}; j++)); do
			if _chatctl_in "-${prev:j:1}" "$_chatctl_global_args $_chatctl_args"; then
				((j == ${#prev} - 1)) && opt=-${prev:j:1}
				break
			fi
		done
	fi
	if [[ -n $opt ]]; then
		case $opt in
		-p | --profile)
			if [[ -z $config ]]; then
				config=${CHATCTL_CONFIG_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/chatctl}
			fi
			[[ $config == '~/'* ]] && config=$HOME/${config#'~/'}
			COMPREPLY=($(compgen -W "$(_chatctl_profiles "$config")" -- "$cur")) ;;
		--config)
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -d -- "$cur")) ;;
		--cacert | --seed | --state | --tls-cert | --tls-key)
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -- "$cur")) ;;
		*)
			COMPREPLY=($(compgen -W "$(_chatctl_values "$cmd" "$opt")" -- "$cur")) ;;
		esac
		return 0
	fi

	if [[ $cur == -* ]]; then
		local client="$_chatctl_global_flags $_chatctl_global_args"
		[[ $cmd == serve ]] && client=
		COMPREPLY=($(compgen -W "$_chatctl_common_flags $client
			$_chatctl_flags $_chatctl_args" -- "$cur"))
		return 0
	fi

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$_chatctl_commands help" -- "$cur"))
	elif [[ $cmd == help ]] && ((${#operands[@]} == 0)); then
		COMPREPLY=($(compgen -W "$_chatctl_commands" -- "$cur"))
	elif [[ $cmd == apply ]] && ((${#operands[@]} == 0)); then
		COMPREPLY=($(compgen -W 'list accept refuse ignore' -- "$cur"))
	elif [[ $cmd == user ]] && ((${#operands[@]} == 0)); then
		COMPREPLY=($(compgen -W 'search' -- "$cur"))
	fi
	return 0
}

complete -F _chatctl chatctl chatctl-login chatctl-logout chatctl-whoami \
	chatctl-listen chatctl-send chatctl-isfriend chatctl-friends chatctl-user chatctl-apply \
	chatctl-history chatctl-serve
