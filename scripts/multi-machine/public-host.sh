# Sourced by the host scripts: public_host BIND_ADDRESS PUBLIC_HOST prints how other machines reach this one
# (PUBLIC_HOST if given, else the bind address), or fails when the bind address is 0.0.0.0 and none was given.
public_host() {
    if [[ -n "$2" ]]; then
        echo "$2"
    elif [[ "$1" == "0.0.0.0" ]]; then
        echo "Error: with --bind-address 0.0.0.0, say with --public-host how the clients reach this machine." >&2
        return 1
    else
        echo "$1"
    fi
}
