#!/bin/sh
# Renders the web instances nginx proxies to into upstream.conf, next to the rendered templates
# ($NGINX_ENVSUBST_OUTPUT_DIR, by default /etc/nginx/conf.d, which nginx.conf includes at http
# level): the upstream `ruc_service` the template's proxy_pass names, one `server` line per
# instance (envsubst renders one value, not a list). The official nginx image runs it from
# /docker-entrypoint.d/ before nginx starts; devtools/servers.py runs the same file in tests.
#
#   GUNICORN_UPSTREAM  host:port of each web instance (gunicorn), separated by spaces or commas;
#                      web:8000 when unset or empty (docker-compose's one web service).
#
# With several, nginx spreads requests over them, and a GET or HEAD an instance could not take
# (refused, reset before its answer's headers) goes to the next one: the template's
# proxy_next_upstream, bounded in tries and time. An instance that failed is left alone for 10 s.
# An entry that is not host:port makes this script fail, and so the container stop.
set -eu
set -f  # the list is split unquoted below: no pathname expansion of an entry such as "*"

me=$(basename "$0")
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
output=$output_dir/upstream.conf

fail() {
    echo "$me: ERROR: $*" >&2
    exit 1
}

# host:port: a name or IPv4 address (letters, digits, dots, hyphens) or a [bracketed] IPv6 one,
# and a port from 1 to 65535.
valid_server() {
    port=${1##*:}
    host=${1%:*}
    [ "$host" != "$1" ] || return 1
    case $port in
        '' | *[!0-9]* | ??????*) return 1 ;;
    esac
    [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || return 1
    case $host in
        \[*\]) inner=${host#[}; inner=${inner%]}
               case $inner in '' | *[!0-9A-Fa-f:]*) return 1 ;; esac ;;
        '' | -* | *[!A-Za-z0-9.-]*) return 1 ;;
    esac
}

rm -f "$output"
[ -d "$output_dir" ] && [ -w "$output_dir" ] || fail "no se puede escribir en $output_dir"

servers=$(printf '%s' "${GUNICORN_UPSTREAM:-}" | tr ',' ' ')
[ -n "$(printf '%s' "$servers" | tr -d ' \t\n')" ] || servers=web:8000
for server in $servers; do
    valid_server "$server" || fail "GUNICORN_UPSTREAM: \"$server\" no es host:puerto (separe las instancias con espacios o comas)"
done

partial=$output.partial
{
    echo "# Written by $me from GUNICORN_UPSTREAM at start; edits are lost."
    echo "upstream ruc_service {"
    for server in $servers; do
        echo "    server $server max_fails=1 fail_timeout=10s;"
    done
    echo "    keepalive 16;"
    echo "}"
} > "$partial"
mv "$partial" "$output"
