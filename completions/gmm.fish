# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_gmm_global_optspecs
    string join \n dir= json q/quiet v/verbose h/help V/version
end

function __fish_gmm_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_gmm_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_gmm_using_subcommand
    set -l cmd (__fish_gmm_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c gmm -n "__fish_gmm_needs_command" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_needs_command" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_needs_command" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_needs_command" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_needs_command" -s V -l version -d 'Print version'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "init" -d 'Create the store and its identity'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "key" -d 'Make standalone key pairs (for scripts and tests that play several peers)'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "id" -d 'Print this store\'s public key'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "contacts" -d 'List the keys this store knows, with their names and groups'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "device" -d 'Link, unlink and list the devices that act for your identity'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "group" -d 'Create groups and list the groups in this store'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "add" -d 'Add a member to a group'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "remove" -d 'Remove a member from a group'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "leave" -d 'Leave a group'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "role" -d 'Set a member\'s role (`member` or `admin`)'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "title" -d 'Set a group\'s title'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "batch" -d 'Apply many ops in one transaction'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "members" -d 'Show a group\'s members and their roles'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "log" -d 'Show a group\'s events with their status'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "status" -d 'Show a group\'s heads, view hash, counts, pending events, forks and conflicts'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "pending" -d 'List and drop events waiting for parents (of any group, known or not)'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "why" -d 'Explain a member\'s status and role'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "export" -d 'Write a group\'s events as a bundle for another peer'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "import" -d 'Verify and apply bundles'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "bundle" -d 'Look at a bundle without importing it: inspect its header, verify it applies'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "diff" -d 'Show how this store and a peer differ in a group'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "correct" -d 'Write the correction bundle a peer needs'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "sync" -d 'Reconcile a group with a peer\'s store, both ways, in one step'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "audit" -d 'Check a store or bundles for integrity violations'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "prove" -d 'Write a proof of what an event\'s author saw, or of an event\'s verdict'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "verify-proof" -d 'Check a proof file or an evidence folder offline'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "replay" -d 'Rebuild a group\'s projection from the log and compare it with the stored one'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "completions" -d 'Print a completion script for a shell'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "generate" -d 'Write man pages and completions into OUT/man and OUT/completions'
complete -c gmm -n "__fish_gmm_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand init" -l identity -d 'Use this secret key file as the store\'s identity instead of a new key' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand init" -l name -d 'The name your identity goes by locally (set or change it on an existing store)' -r
complete -c gmm -n "__fish_gmm_using_subcommand init" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand init" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand init" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand init" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand key; and not __fish_seen_subcommand_from generate help" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand key; and not __fish_seen_subcommand_from generate help" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand key; and not __fish_seen_subcommand_from generate help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand key; and not __fish_seen_subcommand_from generate help" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand key; and not __fish_seen_subcommand_from generate help" -s h -l help -d 'Print help'
complete -c gmm -n "__fish_gmm_using_subcommand key; and not __fish_seen_subcommand_from generate help" -f -a "generate" -d 'Write a new key pair to FILE (mode 0600) and FILE\'s .pub'
complete -c gmm -n "__fish_gmm_using_subcommand key; and not __fish_seen_subcommand_from generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand key; and __fish_seen_subcommand_from generate" -s o -l output -d 'Where to write the secret key (`-` for stdout)' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand key; and __fish_seen_subcommand_from generate" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand key; and __fish_seen_subcommand_from generate" -l force -d 'Overwrite existing key files'
complete -c gmm -n "__fish_gmm_using_subcommand key; and __fish_seen_subcommand_from generate" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand key; and __fish_seen_subcommand_from generate" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand key; and __fish_seen_subcommand_from generate" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand key; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "generate" -d 'Write a new key pair to FILE (mode 0600) and FILE\'s .pub'
complete -c gmm -n "__fish_gmm_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand id" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand id" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand id" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand id" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand id" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand contacts" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand contacts" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand contacts" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand contacts" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand contacts" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand device; and not __fish_seen_subcommand_from link unlink list help" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand device; and not __fish_seen_subcommand_from link unlink list help" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and not __fish_seen_subcommand_from link unlink list help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand device; and not __fish_seen_subcommand_from link unlink list help" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and not __fish_seen_subcommand_from link unlink list help" -s h -l help -d 'Print help'
complete -c gmm -n "__fish_gmm_using_subcommand device; and not __fish_seen_subcommand_from link unlink list help" -f -a "link" -d 'Link a device: events it signs act for this store\'s identity'
complete -c gmm -n "__fish_gmm_using_subcommand device; and not __fish_seen_subcommand_from link unlink list help" -f -a "unlink" -d 'Unlink one of your devices (a lost phone, say)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and not __fish_seen_subcommand_from link unlink list help" -f -a "list" -d 'List linked devices, per group and member'
complete -c gmm -n "__fish_gmm_using_subcommand device; and not __fish_seen_subcommand_from link unlink list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from link" -l name -d 'A name for the device, shown as `you/NAME`' -r
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from link" -l group -d 'Link it in this group only (repeatable) [default: every group you are in]' -r
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from link" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from link" -l dry-run -d 'Show the event(s) that would be signed and how the view would change; sign and store nothing'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from link" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from link" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from link" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from link" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from unlink" -l group -d 'Unlink it in this group only (repeatable) [default: wherever it is linked]' -r
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from unlink" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from unlink" -l dry-run -d 'Show the event(s) that would be signed and how the view would change; sign and store nothing'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from unlink" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from unlink" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from unlink" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from unlink" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from list" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from list" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from help" -f -a "link" -d 'Link a device: events it signs act for this store\'s identity'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from help" -f -a "unlink" -d 'Unlink one of your devices (a lost phone, say)'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from help" -f -a "list" -d 'List linked devices, per group and member'
complete -c gmm -n "__fish_gmm_using_subcommand device; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand group; and not __fish_seen_subcommand_from create list help" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand group; and not __fish_seen_subcommand_from create list help" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand group; and not __fish_seen_subcommand_from create list help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand group; and not __fish_seen_subcommand_from create list help" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand group; and not __fish_seen_subcommand_from create list help" -s h -l help -d 'Print help'
complete -c gmm -n "__fish_gmm_using_subcommand group; and not __fish_seen_subcommand_from create list help" -f -a "create" -d 'Create a group, optionally with its first members'
complete -c gmm -n "__fish_gmm_using_subcommand group; and not __fish_seen_subcommand_from create list help" -f -a "list" -d 'List the groups in this store'
complete -c gmm -n "__fish_gmm_using_subcommand group; and not __fish_seen_subcommand_from create list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from create" -s m -l member -d 'A first member: KEY[:ROLE[:NAME]], ROLE `member` (default) or `admin`' -r
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from create" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from create" -l dry-run -d 'Show the event(s) that would be signed and how the view would change; sign and store nothing'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from create" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from list" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from list" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a group, optionally with its first members'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the groups in this store'
complete -c gmm -n "__fish_gmm_using_subcommand group; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand add" -l role -d 'The role to grant (`member` or `admin`)' -r
complete -c gmm -n "__fish_gmm_using_subcommand add" -l name -d 'The member\'s name in this group [default: the name the store knows]' -r
complete -c gmm -n "__fish_gmm_using_subcommand add" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand add" -l dry-run -d 'Show the event(s) that would be signed and how the view would change; sign and store nothing'
complete -c gmm -n "__fish_gmm_using_subcommand add" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand add" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand add" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand remove" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand remove" -l dry-run -d 'Show the event(s) that would be signed and how the view would change; sign and store nothing'
complete -c gmm -n "__fish_gmm_using_subcommand remove" -l force -d 'Sign even if the group is left without its owner, or without anyone able to add or remove members (this cannot be undone)'
complete -c gmm -n "__fish_gmm_using_subcommand remove" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand remove" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand remove" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand leave" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand leave" -l dry-run -d 'Show the event(s) that would be signed and how the view would change; sign and store nothing'
complete -c gmm -n "__fish_gmm_using_subcommand leave" -l force -d 'Sign even if the group is left without its owner, or without anyone able to add or remove members (this cannot be undone)'
complete -c gmm -n "__fish_gmm_using_subcommand leave" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand leave" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand leave" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand leave" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand role" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand role" -l dry-run -d 'Show the event(s) that would be signed and how the view would change; sign and store nothing'
complete -c gmm -n "__fish_gmm_using_subcommand role" -l force -d 'Sign even if the group is left without its owner, or without anyone able to add or remove members (this cannot be undone)'
complete -c gmm -n "__fish_gmm_using_subcommand role" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand role" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand role" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand title" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand title" -l dry-run -d 'Show the event(s) that would be signed and how the view would change; sign and store nothing'
complete -c gmm -n "__fish_gmm_using_subcommand title" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand title" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand title" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand title" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand batch" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand batch" -l dry-run -d 'Show the event(s) that would be signed and how the view would change; sign and store nothing'
complete -c gmm -n "__fish_gmm_using_subcommand batch" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand batch" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand batch" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand batch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand members" -l at -d 'Show the view as of this event (id or id prefix, 8+ hex)' -r
complete -c gmm -n "__fish_gmm_using_subcommand members" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand members" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand members" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand members" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand members" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand log" -s n -l max-count -d 'Show at most N events' -r
complete -c gmm -n "__fish_gmm_using_subcommand log" -l author -d 'Only events signed by this member (key, key prefix or name)' -r
complete -c gmm -n "__fish_gmm_using_subcommand log" -l member -d 'Only events about this member: adding, removing or setting their role, or their own leave' -r
complete -c gmm -n "__fish_gmm_using_subcommand log" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand log" -l graph -d 'Draw the event graph'
complete -c gmm -n "__fish_gmm_using_subcommand log" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand log" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand log" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand status" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand status" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand status" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand status" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and not __fish_seen_subcommand_from list drop help" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand pending; and not __fish_seen_subcommand_from list drop help" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and not __fish_seen_subcommand_from list drop help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and not __fish_seen_subcommand_from list drop help" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and not __fish_seen_subcommand_from list drop help" -s h -l help -d 'Print help'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and not __fish_seen_subcommand_from list drop help" -f -a "list" -d 'List pending events per group, known to this store or not'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and not __fish_seen_subcommand_from list drop help" -f -a "drop" -d 'Drop a group\'s pending events'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and not __fish_seen_subcommand_from list drop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from list" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from list" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from drop" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from drop" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from drop" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from drop" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from help" -f -a "list" -d 'List pending events per group, known to this store or not'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Drop a group\'s pending events'
complete -c gmm -n "__fish_gmm_using_subcommand pending; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand why" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand why" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand why" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand why" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand why" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand export" -l heads -d 'A peer\'s heads: leave out these events and their past (event ids or 8+ hex prefixes, comma-separated)' -r
complete -c gmm -n "__fish_gmm_using_subcommand export" -s o -l output -d 'Where to write the bundle (`-` for standard output, the default); a file is replaced atomically, a FIFO or device written into' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand export" -l format -d 'The encoding' -r -f -a "bin\t'The binary bundle format (docs/bundle-format.md)'
jsonl\t'One JSON object per line, with the raw signed bytes'"
complete -c gmm -n "__fish_gmm_using_subcommand export" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand export" -l sign -d 'Sign the bundle\'s trailer with this store\'s identity'
complete -c gmm -n "__fish_gmm_using_subcommand export" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand export" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand export" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand import" -l from -d 'Import only bundles signed by this key: 64 hex characters, or a .pub file' -r
complete -c gmm -n "__fish_gmm_using_subcommand import" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand import" -l dry-run -d 'Show what would change without writing anything'
complete -c gmm -n "__fish_gmm_using_subcommand import" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand import" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand import" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and not __fish_seen_subcommand_from verify inspect help" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and not __fish_seen_subcommand_from verify inspect help" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and not __fish_seen_subcommand_from verify inspect help" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and not __fish_seen_subcommand_from verify inspect help" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and not __fish_seen_subcommand_from verify inspect help" -s h -l help -d 'Print help'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and not __fish_seen_subcommand_from verify inspect help" -f -a "verify" -d 'Check that a bundle would apply cleanly to this store'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and not __fish_seen_subcommand_from verify inspect help" -f -a "inspect" -d 'Show a bundle\'s header, heads, counts and authors'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and not __fish_seen_subcommand_from verify inspect help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from verify" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from verify" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from inspect" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from inspect" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from inspect" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from inspect" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check that a bundle would apply cleanly to this store'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Show a bundle\'s header, heads, counts and authors'
complete -c gmm -n "__fish_gmm_using_subcommand bundle; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand diff" -l heads -d 'The peer\'s heads instead (event ids, comma-separated), as its `gmm status --json` prints them' -r
complete -c gmm -n "__fish_gmm_using_subcommand diff" -l for -d 'The peer is this author, as its latest event in the group shows what it had seen (`status` names stale senders)' -r
complete -c gmm -n "__fish_gmm_using_subcommand diff" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand diff" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand diff" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand diff" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand correct" -l heads -d 'The peer\'s heads instead (event ids, comma-separated), as its `gmm status --json` prints them' -r
complete -c gmm -n "__fish_gmm_using_subcommand correct" -l for -d 'The peer is this author, as its latest event in the group shows what it had seen (`status` names stale senders)' -r
complete -c gmm -n "__fish_gmm_using_subcommand correct" -s o -l output -d 'Where to write the bundle (`-` for standard output, the default); a file is replaced atomically, a FIFO or device written into' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand correct" -l format -d 'The encoding' -r -f -a "bin\t'The binary bundle format (docs/bundle-format.md)'
jsonl\t'One JSON object per line, with the raw signed bytes'"
complete -c gmm -n "__fish_gmm_using_subcommand correct" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand correct" -l sign -d 'Sign the bundle\'s trailer with this store\'s identity'
complete -c gmm -n "__fish_gmm_using_subcommand correct" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand correct" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand correct" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand correct" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand sync" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand sync" -l dry-run -d 'Show what would move, move nothing'
complete -c gmm -n "__fish_gmm_using_subcommand sync" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand sync" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand sync" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand sync" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand audit" -l evidence -d 'Write every finding\'s proof and an index.json into DIR, for `gmm verify-proof DIR` (forks, verdicts, view-hash mismatches, quarantined records)' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand audit" -l severity -d 'Change a check\'s severity: CHECK=error|warn|info|ignore (repeatable)' -r
complete -c gmm -n "__fish_gmm_using_subcommand audit" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand audit" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand audit" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand audit" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand prove" -l at -d 'Prove what this event\'s author saw when signing it (id or id prefix)' -r
complete -c gmm -n "__fish_gmm_using_subcommand prove" -l verdict -d 'Prove why this event had no effect (id or id prefix)' -r
complete -c gmm -n "__fish_gmm_using_subcommand prove" -s o -l output -d 'Where to write the proof (`-` for standard output, the default); a file is replaced atomically, a FIFO or device written into' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand prove" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand prove" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand prove" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand prove" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand prove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand verify-proof" -l key -d 'The key the proof must be about: 64 hex characters or a .pub file' -r
complete -c gmm -n "__fish_gmm_using_subcommand verify-proof" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand verify-proof" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand verify-proof" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand verify-proof" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand verify-proof" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand replay" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand replay" -l repair -d 'Replace a differing stored projection with the rebuilt one'
complete -c gmm -n "__fish_gmm_using_subcommand replay" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand replay" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand replay" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand replay" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand completions" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand completions" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand completions" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand completions" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c gmm -n "__fish_gmm_using_subcommand generate" -l dir -d 'The store folder [default: $GMM_DIR, else ~/.local/share/gmm]' -r -F
complete -c gmm -n "__fish_gmm_using_subcommand generate" -l json -d 'Print stable JSON on stdout (JSON Lines for lists of events and groups)'
complete -c gmm -n "__fish_gmm_using_subcommand generate" -s q -l quiet -d 'Print nothing but results and errors'
complete -c gmm -n "__fish_gmm_using_subcommand generate" -s v -l verbose -d 'Print more detail (full keys and ids)'
complete -c gmm -n "__fish_gmm_using_subcommand generate" -s h -l help -d 'Print help'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "init" -d 'Create the store and its identity'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "key" -d 'Make standalone key pairs (for scripts and tests that play several peers)'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "id" -d 'Print this store\'s public key'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "contacts" -d 'List the keys this store knows, with their names and groups'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "device" -d 'Link, unlink and list the devices that act for your identity'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "group" -d 'Create groups and list the groups in this store'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "add" -d 'Add a member to a group'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "remove" -d 'Remove a member from a group'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "leave" -d 'Leave a group'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "role" -d 'Set a member\'s role (`member` or `admin`)'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "title" -d 'Set a group\'s title'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "batch" -d 'Apply many ops in one transaction'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "members" -d 'Show a group\'s members and their roles'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "log" -d 'Show a group\'s events with their status'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "status" -d 'Show a group\'s heads, view hash, counts, pending events, forks and conflicts'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "pending" -d 'List and drop events waiting for parents (of any group, known or not)'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "why" -d 'Explain a member\'s status and role'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "export" -d 'Write a group\'s events as a bundle for another peer'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "import" -d 'Verify and apply bundles'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "bundle" -d 'Look at a bundle without importing it: inspect its header, verify it applies'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "diff" -d 'Show how this store and a peer differ in a group'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "correct" -d 'Write the correction bundle a peer needs'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "sync" -d 'Reconcile a group with a peer\'s store, both ways, in one step'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "audit" -d 'Check a store or bundles for integrity violations'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "prove" -d 'Write a proof of what an event\'s author saw, or of an event\'s verdict'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "verify-proof" -d 'Check a proof file or an evidence folder offline'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "replay" -d 'Rebuild a group\'s projection from the log and compare it with the stored one'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "completions" -d 'Print a completion script for a shell'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "generate" -d 'Write man pages and completions into OUT/man and OUT/completions'
complete -c gmm -n "__fish_gmm_using_subcommand help; and not __fish_seen_subcommand_from init key id contacts device group add remove leave role title batch members log status pending why export import bundle diff correct sync audit prove verify-proof replay completions generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "generate" -d 'Write a new key pair to FILE (mode 0600) and FILE\'s .pub'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from device" -f -a "link" -d 'Link a device: events it signs act for this store\'s identity'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from device" -f -a "unlink" -d 'Unlink one of your devices (a lost phone, say)'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from device" -f -a "list" -d 'List linked devices, per group and member'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "create" -d 'Create a group, optionally with its first members'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from group" -f -a "list" -d 'List the groups in this store'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from pending" -f -a "list" -d 'List pending events per group, known to this store or not'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from pending" -f -a "drop" -d 'Drop a group\'s pending events'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from bundle" -f -a "verify" -d 'Check that a bundle would apply cleanly to this store'
complete -c gmm -n "__fish_gmm_using_subcommand help; and __fish_seen_subcommand_from bundle" -f -a "inspect" -d 'Show a bundle\'s header, heads, counts and authors'
