# fish completion for chatctl. Static lists, so that completing never runs
# the binary; tests/docs.bats checks them against the command table
# (chatctl --list-commands, chatctl CMD --list-options, CMD --help).

# The options that take a value, globals and each command's own: the
# walk below must skip their values to find the command word and operands.
set -g __chatctl_value_opts -s --server -p --profile --config --jq --connect-timeout --max-time --max-response --cacert \
    --username -t --type --from -n --count --idle --timeout --heartbeat --backoff-max --max-frame \
    --options --retry -m --message --page --limit --nickname --listen --seed --state --tls-cert --tls-key \
    --ping-interval --max-connections --with --group --since --until --consumer --keep

# Print the command word, then its operands, of the line before the
# cursor; nothing when there is no command word yet. A link named
# chatctl-CMD runs CMD.
function __chatctl_words
    set -l tokens (commandline -opc)
    set -l name (string replace -r '.*/' '' -- $tokens[1])
    set -e tokens[1]
    set -l found
    if string match -q 'chatctl-*' -- $name
        set found (string replace 'chatctl-' '' -- $name)
        echo $found
    end
    while set -q tokens[1]
        set -l t $tokens[1]
        set -e tokens[1]
        switch $t
            case '--*=*'
            case '--*'
                contains -- $t $__chatctl_value_opts; and set -e tokens[1]
            case '-?*'
                # Short flags may be clustered; the first that takes a value
                # takes the rest of the word, or else the next word.
                for c in (string split '' -- (string sub -s 2 -- $t))
                    if contains -- -$c $__chatctl_value_opts
                        test "-$c" = (string sub -s -2 -- $t); and set -e tokens[1]
                        break
                    end
                end
            case '*'
                echo $t
        end
    end
end

# True when the command word is not there yet.
function __chatctl_no_command
    set -l w (__chatctl_words)
    test (count $w) -eq 0
end

# True when the command word is $argv[1] and it has $argv[2] operands
# (any number when $argv[2] is not given).
function __chatctl_using
    set -l w (__chatctl_words)
    test "$w[1]" = $argv[1]; or return 1
    set -q argv[2]; or return 0
    test (count $w) -eq (math $argv[2] + 1)
end

# True where an option may come: not among the words of send's message,
# which are all that follows its TO; with "client", an option that serve
# (no client) does not take, not after serve's command word.
function __chatctl_option_ok
    set -l w (__chatctl_words)
    test "$w[1]" = send; and set -q w[2]; and return 1
    test "$argv[1]" = client; and test "$w[1]" = serve; and return 1
    return 0
end

# The profiles: profiles/NAME.json in the configuration directory, which is
# --config on the line, else CHATCTL_CONFIG_DIR, else
# ${XDG_CONFIG_HOME:-~/.config}/chatctl.
function __chatctl_profiles
    set -l tokens (commandline -opc)
    set -l dir
    set -l i (contains -i -- --config $tokens)
    if test -n "$i"; and set -q tokens[(math $i + 1)]
        set dir $tokens[(math $i + 1)]
    else if set -l t (string match -r -- '^--config=(.*)' $tokens)
        set dir $t[2]
    else if test -n "$CHATCTL_CONFIG_DIR"
        set dir $CHATCTL_CONFIG_DIR
    else if test -n "$XDG_CONFIG_HOME"
        set dir $XDG_CONFIG_HOME/chatctl
    else
        set dir $HOME/.config/chatctl
    end
    set dir (string replace -r '^~/' "$HOME/" -- $dir)
    for f in $dir/profiles/*.json
        test -f $f; and string replace -r '\.json$' '' -- (basename -- $f)
    end
end

# Every name the binary answers to gets the same completions; the
# conditions tell a link (chatctl-send) by its name.
for c in chatctl chatctl-login chatctl-logout chatctl-whoami chatctl-listen chatctl-send chatctl-isfriend chatctl-friends chatctl-user chatctl-apply chatctl-history chatctl-serve
    complete -c $c -f

    # Commands.
    complete -c $c -n __chatctl_no_command -a login -d 'log in and store the token for a profile'
    complete -c $c -n __chatctl_no_command -a logout -d 'log out at the server, then forget the stored token'
    complete -c $c -n __chatctl_no_command -a whoami -d 'print the stored user record of the profile'
    complete -c $c -n __chatctl_no_command -a listen -d 'stream incoming messages, one JSON line each'
    complete -c $c -n __chatctl_no_command -a send -d 'send a message to a user (or a group with --group)'
    complete -c $c -n __chatctl_no_command -a isfriend -d 'exit 0 if user ID is my friend, 1 if not'
    complete -c $c -n __chatctl_no_command -a friends -d 'list my friends, one JSON object each'
    complete -c $c -n __chatctl_no_command -a user -d 'find users by user name'
    complete -c $c -n __chatctl_no_command -a apply -d 'send, list and answer friend requests'
    complete -c $c -n __chatctl_no_command -a history -d 'print the messages kept in the mailbox, oldest first'
    complete -c $c -n __chatctl_no_command -a serve -d 'run a local, in-memory chat server'
    complete -c $c -n __chatctl_no_command -a help -d 'show the usage of chatctl or of a command'
    complete -c $c -n '__chatctl_using help 0' -a 'login logout whoami listen send isfriend friends user apply history serve'

    # Global options, before or after the command.
    complete -c $c -n '__chatctl_option_ok client' -s s -l server -x -d 'server base URL'
    complete -c $c -n '__chatctl_option_ok client' -s p -l profile -x -a '(__chatctl_profiles)' -d 'credentials profile'
    complete -c $c -n '__chatctl_option_ok client' -l config -x -a '(__fish_complete_directories)' -d 'configuration directory'
    complete -c $c -n '__chatctl_option_ok client' -l jq -x -d 'run a jq program on the output'
    complete -c $c -n '__chatctl_option_ok client' -s r -l raw-output -d 'print string results without quotes'
    complete -c $c -n '__chatctl_option_ok client' -s c -l compact -d 'print compact JSON'
    complete -c $c -n '__chatctl_option_ok client' -l pretty -d 'print indented JSON'
    complete -c $c -n __chatctl_option_ok -s v -l verbose -d 'log requests, connection events and timings'
    complete -c $c -n __chatctl_option_ok -s q -l quiet -d 'say nothing on stderr but fatal errors'
    complete -c $c -n '__chatctl_option_ok client' -l connect-timeout -x -d 'give up connecting after SECS'
    complete -c $c -n '__chatctl_option_ok client' -l max-time -x -d 'give up a request after SECS'
    complete -c $c -n '__chatctl_option_ok client' -l max-response -x -d 'refuse an answer larger than BYTES'
    complete -c $c -n '__chatctl_option_ok client' -l cacert -r -F -d 'trust the CA certificates in FILE'
    complete -c $c -n '__chatctl_option_ok client' -l insecure -d 'do not verify the TLS certificate of the server'
    complete -c $c -n __chatctl_option_ok -s h -l help -d 'show help and exit'
    complete -c $c -n __chatctl_option_ok -l version -d 'print the versions of chatctl and its libraries'

    # login
    complete -c $c -n '__chatctl_using login' -l username -x -d 'the account to log in'
    complete -c $c -n '__chatctl_using login' -l password-stdin -d 'read the password from standard input'
    complete -c $c -n '__chatctl_using login' -l print-token -d 'print only the token'

    # listen
    complete -c $c -n '__chatctl_using listen' -s t -l type -x -a 'singleChat system ping pong text iconMenus image audio video systemNotice' -d 'print only frames of this type'
    complete -c $c -n '__chatctl_using listen' -l from -x -d 'print only messages from this sender'
    complete -c $c -n '__chatctl_using listen' -s n -l count -x -d 'stop after printing N frames'
    complete -c $c -n '__chatctl_using listen' -l idle -x -d 'stop when nothing was printed for SECS'
    complete -c $c -n '__chatctl_using listen' -l timeout -x -d 'stop after SECS in all'
    complete -c $c -n '__chatctl_using listen' -l heartbeat -x -d 'send a ping every SECS; 0 for none'
    complete -c $c -n '__chatctl_using listen' -l heartbeats -d 'also print the pings and pongs'
    complete -c $c -n '__chatctl_using listen' -l backoff-max -x -d 'longest wait between reconnects'
    complete -c $c -n '__chatctl_using listen' -l no-reconnect -d 'exit 4 when the connection drops'
    complete -c $c -n '__chatctl_using listen' -l no-offline -d 'do not fetch the offline messages'
    complete -c $c -n '__chatctl_using listen' -l no-dedupe -d 'keep duplicates'
    complete -c $c -n '__chatctl_using listen' -l max-frame -x -d 'skip messages larger than BYTES'
    complete -c $c -n '__chatctl_using listen' -l consumer -x -d 'read the mailbox as consumer NAME'
    complete -c $c -n '__chatctl_using listen' -l new -d 'start after the last stored message'
    complete -c $c -n '__chatctl_using listen' -l keep -x -d 'delete stored messages older than DAYS'
    complete -c $c -n '__chatctl_using listen' -l no-store -d 'store nothing: print as they come'
    complete -c $c -n '__chatctl_using listen' -l tips -d 'also print the connect tips'

    # send
    complete -c $c -n '__chatctl_using send 0' -s g -l group -d 'TO is a group id'
    complete -c $c -n '__chatctl_using send 0' -s t -l type -x -a 'text iconMenus image audio video' -d 'message type'
    complete -c $c -n '__chatctl_using send 0' -l options -x -d 'extra parameters, JSON'
    complete -c $c -n '__chatctl_using send 0' -l raw -d 'send the text exactly, without the wrapper'
    complete -c $c -n '__chatctl_using send 0' -l lines -d 'each line of standard input is one message'
    complete -c $c -n '__chatctl_using send 0' -l json -d 'each line of standard input is a JSON message'
    complete -c $c -n '__chatctl_using send 0' -s k -l keep-going -d 'in a batch, go on after a failure'
    complete -c $c -n '__chatctl_using send 0' -l retry -x -d 'retries when nothing can have been delivered'

    # user
    complete -c $c -n '__chatctl_using user 0' -a search -d 'users whose user name contains WORD'

    # apply
    complete -c $c -n '__chatctl_using apply 0' -a list -d 'list the friend requests sent to me'
    complete -c $c -n '__chatctl_using apply 0' -a accept -d 'accept request APPLY_ID'
    complete -c $c -n '__chatctl_using apply 0' -a refuse -d 'refuse request APPLY_ID'
    complete -c $c -n '__chatctl_using apply 0' -a ignore -d 'ignore request APPLY_ID'
    complete -c $c -n '__chatctl_using apply' -s m -l message -x -d 'apply ID: the note with the request'
    complete -c $c -n '__chatctl_using apply' -l page -x -d 'apply list: page number'
    complete -c $c -n '__chatctl_using apply' -l limit -x -d 'apply list: requests per page'
    complete -c $c -n '__chatctl_using apply' -l nickname -x -d 'apply accept: remark for the new friend'

    # history
    complete -c $c -n '__chatctl_using history' -l with -x -d 'only the single chat with this user'
    complete -c $c -n '__chatctl_using history' -l group -x -d 'only the messages of this group'
    complete -c $c -n '__chatctl_using history' -l since -x -d 'only messages from T on'
    complete -c $c -n '__chatctl_using history' -l until -x -d 'only messages before T'
    complete -c $c -n '__chatctl_using history' -s n -l limit -x -d 'only the newest N'
    complete -c $c -n '__chatctl_using history' -s t -l type -x -a 'singleChat text iconMenus image audio video systemNotice' -d 'only this frame or message type'

    # serve
    complete -c $c -n '__chatctl_using serve' -l listen -x -d 'listen there (ADDR:PORT; port 0 for a free one)'
    complete -c $c -n '__chatctl_using serve' -l seed -r -F -d 'start with the users, friends, requests and groups in FILE'
    complete -c $c -n '__chatctl_using serve' -l state -r -F -d 'load all state from FILE and keep it there'
    complete -c $c -n '__chatctl_using serve' -l tls-cert -r -F -d 'serve HTTPS and WSS with this certificate'
    complete -c $c -n '__chatctl_using serve' -l tls-key -r -F -d 'the private key of --tls-cert'
    complete -c $c -n '__chatctl_using serve' -l ping-interval -x -d 'send a ping on every socket this often'
    complete -c $c -n '__chatctl_using serve' -l no-tips -d 'do not send the connect-time tips'
    complete -c $c -n '__chatctl_using serve' -l force-logout -d 'take a second socket over as the first server did'
    complete -c $c -n '__chatctl_using serve' -l max-connections -x -d 'refuse connections past N open ones'
    complete -c $c -n '__chatctl_using serve' -l test-hooks -d 'serve the test endpoints'
end
