#!/bin/sh
# Proxies in front of MCP servers, in a fresh network namespace: nginx
# before a dead upstream (gateway_error naming nginx, never "stop
# nginx"), nginx with gzip on for text/event-stream before an SSE server
# (the first event never arrives: server_not_responding with the proxy
# fix; the same server behind nginx without gzip and buffering: ok), and
# a forward proxy, tinyproxy, whose access rules answer 403 (a proxy
# cause naming the 403).
. "$2/lib.sh"

command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || skip "nginx is not installed (tests/install-deps.sh)"

npm_servers mcp_server.mjs
DIR=$(mktemp -d)
trap 'cleanup; rm -rf "$DIR"' EXIT

NO_KILL='not any(__import__("re").search(r"\b(kill|stop|pkill|killall)\b", f) for f in d["diagnosis"]["fix"])'

# Upstreams: an SSE-only SDK server on 3001 and a Streamable one on
# 3000; nothing on 3999.
start node "$SERVER" sse 127.0.0.1 3001
start node "$SERVER" streamable 127.0.0.1 3000
cat >"$DIR/nginx.conf" <<EOF
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $DIR/body;
    proxy_temp_path $DIR/proxy;
    fastcgi_temp_path $DIR/fastcgi;
    uwsgi_temp_path $DIR/uwsgi;
    scgi_temp_path $DIR/scgi;
    # A dead upstream.
    server {
        listen 127.0.0.1:8080;
        location / { proxy_pass http://127.0.0.1:3999; }
    }
    # gzip on for event streams: the first event stays in gzip's buffer.
    server {
        listen 127.0.0.1:8081;
        gzip on;
        gzip_types text/event-stream application/json;
        gzip_min_length 1;
        location / {
            proxy_pass http://127.0.0.1:3001;
            proxy_http_version 1.1;
        }
    }
    # The same, set up for streams: no buffering, no gzip.
    server {
        listen 127.0.0.1:8082;
        gzip off;
        location / {
            proxy_pass http://127.0.0.1:3001;
            proxy_http_version 1.1;
            proxy_buffering off;
        }
    }
    # In front of the Streamable HTTP server.
    server {
        listen 127.0.0.1:8083;
        location / {
            proxy_pass http://127.0.0.1:3000;
            proxy_http_version 1.1;
            proxy_buffering off;
        }
    }
}
EOF
start "$NGINX" -c "$DIR/nginx.conf" -g 'daemon off;'
wait_port 127.0.0.1 3000
wait_port 127.0.0.1 3001
wait_port 127.0.0.1 8080
wait_port 127.0.0.1 8083

expect "nginx before a dead upstream" gateway_error 1 --timeout 2 \
    http://127.0.0.1:8080/mcp
check_json 'd["mcp"]["initialize"]["status"]' 502
check_json '"nginx" in d["diagnosis"]["summary"] and "502 Bad Gateway" in d["diagnosis"]["summary"]' True
check_json '"proxy_pass" in " ".join(d["diagnosis"]["fix"])' True
check_json "$NO_KILL" True

expect "nginx before the SDK server" ok 0 --timeout 2 http://127.0.0.1:8083/mcp
check_json 'd["mcp"]["transport"]' streamable-http

expect "nginx, no gzip, no buffering, before an SSE server" ok 0 \
    --timeout 1 http://127.0.0.1:8082/sse
check_json 'd["mcp"]["transport"]' sse

expect "nginx gzips text/event-stream" server_not_responding 1 \
    --timeout 1 http://127.0.0.1:8081/sse
check_json 'd["mcp"]["sse_stalled"], d["mcp"]["sse"]["get"]["status"] in (None, 200)' \
    'True True'
check_json '"nginx" in d["diagnosis"]["summary"]' True
check_json '"proxy_buffering off" in d["diagnosis"]["fix"][0] and "gzip" in d["diagnosis"]["fix"][0]' True
check_json "$NO_KILL" True

# A forward proxy whose Allow rules refuse us: 403 from tinyproxy.
TINYPROXY=$(command -v tinyproxy || echo /usr/bin/tinyproxy)
if [ -x "$TINYPROXY" ]; then
    cat >"$DIR/tinyproxy.conf" <<EOF
User nobody
Group nogroup
Port 8888
Listen 127.0.0.1
Timeout 10
LogLevel Warning
MaxClients 10
Allow 192.0.2.1
EOF
    start "$TINYPROXY" -d -c "$DIR/tinyproxy.conf"
    wait_port 127.0.0.1 8888
    PROXY_SAVE=$PROBE_ENV
    PROBE_ENV="$PROBE_ENV http_proxy=http://127.0.0.1:8888 HTTP_PROXY=http://127.0.0.1:8888"
    expect "tinyproxy answers 403" proxy_in_path 1 --timeout 2 \
        http://127.0.0.1:3000/mcp
    check_json 'd["proxy"]["via_status"]' 403
    check_json '"403" in d["diagnosis"]["summary"]' True
    check_json "$NO_KILL" True
    PROBE_ENV=$PROXY_SAVE
else
    echo "(tinyproxy not installed: the forward-proxy case is not run)"
fi

finish
