#!/bin/sh
# Renders the address lists that envsubst cannot (nginx takes one address per directive) into
# trusted-proxies.conf, next to the rendered templates ($NGINX_ENVSUBST_OUTPUT_DIR, by default
# /etc/nginx/conf.d, which nginx.conf includes at http level). The official nginx image runs it
# from /docker-entrypoint.d/ before nginx starts; devtools/servers.py runs the same file in tests.
#
#   NGINX_TRUSTED_PROXIES  addresses/CIDRs of the TLS front(s) in front of nginx. Only from them is
#                          X-Forwarded-For read for the client's address (set_real_ip_from) and
#                          X-Forwarded-Proto passed on ($from_trusted_front = 1). Empty: nobody.
#   NGINX_ADMIN_ALLOW      addresses/CIDRs that may reach /admin/ ($admin_allowed = 1), matched on
#                          the client's real address. Empty: everyone.
#
# Entries are separated by spaces or commas. An entry that is not an IPv4/IPv6 address or CIDR
# makes this script fail, and so the container stop: nginx never starts trusting half of a list,
# and nothing but an address ever reaches its configuration.
set -eu
set -f  # the lists are split unquoted below: no pathname expansion of an entry such as "*"

me=$(basename "$0")
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
output=$output_dir/trusted-proxies.conf

fail() {
    echo "$me: ERROR: $*" >&2
    exit 1
}

valid_ipv4() {
    case $1 in
        '' | *[!0-9.]* | .* | *. | *..*) return 1 ;;
    esac
    saved_ifs=$IFS
    IFS=.
    set -- $1
    IFS=$saved_ifs
    [ $# -eq 4 ] || return 1
    for octet; do
        [ ${#octet} -le 3 ] && [ "$octet" -le 255 ] || return 1
    done
}

# Sets $counted to the number of colon-separated groups of 1-4 hex digits in $1 ("" has none).
count_groups() {
    counted=0
    groups_left=$1
    [ -n "$groups_left" ] || return 0
    while :; do
        group=${groups_left%%:*}
        case $group in
            '' | ?????*) return 1 ;;
        esac
        counted=$((counted + 1))
        [ "$group" != "$groups_left" ] || return 0
        groups_left=${groups_left#*:}
    done
}

valid_ipv6() {
    v6=$1
    case $v6 in
        *:*:*) ;;
        *) return 1 ;;
    esac
    case $v6 in
        *[!0-9A-Fa-f:.]* | *:::* | *::*::*) return 1 ;;
    esac
    # A dotted IPv4 tail (::ffff:192.0.2.1) is two groups.
    case $v6 in
        *.*)
            v4_tail=${v6##*:}
            valid_ipv4 "$v4_tail" || return 1
            v6="${v6%"$v4_tail"}0:0"
            ;;
    esac
    case $v6 in
        *.*) return 1 ;;  # a dot anywhere but in that tail
    esac
    case $v6 in
        *::*)
            count_groups "${v6%%::*}" || return 1
            before=$counted
            count_groups "${v6#*::}" || return 1
            [ $((before + counted)) -le 7 ]
            ;;
        *)
            count_groups "$v6" || return 1
            [ "$counted" -eq 8 ]
            ;;
    esac
}

# An address, or an address/prefix with the prefix within the address's length.
valid_entry() {
    entry=$1
    case $entry in
        '' | *[!0-9A-Fa-f.:/]*) return 1 ;;
    esac
    address=${entry%%/*}
    prefix=
    if [ "$address" != "$entry" ]; then
        prefix=${entry#*/}
        case $prefix in
            '' | *[!0-9]* | ????*) return 1 ;;  # a second "/" is not a digit either
        esac
    fi
    case $address in
        *:*) valid_ipv6 "$address" || return 1; bits=128 ;;
        *) valid_ipv4 "$address" || return 1; bits=32 ;;
    esac
    [ -z "$prefix" ] || [ "$prefix" -le "$bits" ]
}

# The entries of list $2 (named $1 in messages), one per line; fails on the first bad one.
entries() {
    for entry in $(printf '%s' "$2" | tr ',' ' '); do
        valid_entry "$entry" || fail "$1: \"$entry\" no es una dirección IP ni un rango CIDR (separe las entradas con espacios o comas)"
        printf '%s\n' "$entry"
    done
}

# Nothing stale may survive a failure: without this file, nginx refuses the template (its
# variables are undefined) rather than start with an old trust list.
rm -f "$output"
[ -d "$output_dir" ] && [ -w "$output_dir" ] || fail "no se puede escribir en $output_dir"

# A failure inside $(...) fails the assignment, and so the script (set -e).
trusted=$(entries NGINX_TRUSTED_PROXIES "${NGINX_TRUSTED_PROXIES:-}")
admin=$(entries NGINX_ADMIN_ALLOW "${NGINX_ADMIN_ALLOW:-}")

partial=$output.partial
{
    echo "# Written by $me from NGINX_TRUSTED_PROXIES and NGINX_ADMIN_ALLOW at start; edits are lost."
    echo
    if [ -n "$trusted" ]; then
        echo "# The client's address is the last one in X-Forwarded-For that no trusted front added."
        for entry in $trusted; do
            echo "set_real_ip_from $entry;"
        done
        echo "real_ip_header X-Forwarded-For;"
        echo "real_ip_recursive on;"
        echo
    fi
    echo "# 1 when the connection itself comes from a trusted front (whatever X-Forwarded-For says)."
    echo "geo \$realip_remote_addr \$from_trusted_front {"
    echo "    default 0;"
    for entry in $trusted; do
        echo "    $entry 1;"
    done
    echo "}"
    echo
    echo "# 1 when the client's real address may reach /admin/."
    echo "geo \$remote_addr \$admin_allowed {"
    if [ -n "$admin" ]; then
        echo "    default 0;"
        for entry in $admin; do
            echo "    $entry 1;"
        done
    else
        echo "    default 1;"
    fi
    echo "}"
} > "$partial"
mv "$partial" "$output"

echo "$me: wrote $output; trusted fronts:" ${trusted:-none}"; /admin/ from:" ${admin:-anywhere}
