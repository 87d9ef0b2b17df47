#!/usr/bin/env bash
# HTTP/2: behind a TLS + HTTP/2 front (Debian's nginx, proxying to the
# emulator), the tool's concurrent requests share one connection as
# multiplexed streams.
. "$(dirname "$0")/lib.sh"

if ! command -v nginx >/dev/null; then
	echo "    nginx not installed: HTTP/2 test not run" >&2
	not_ok "nginx is installed (scripts/install-deps.sh installs nginx-light)"
	exit 0
fi
start_emu UP1 --seed "$FIX/seed-export.jsonl"
"$FIX/gen-devices.sh" 60 h2-app >"$TMP/h2.jsonl"
start_emu UP2 --seed "$TMP/h2.jsonl"
cd "$TMP" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=ttnm test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext 2>/dev/null
mkdir -p "$TMP/ng"
started=0
for try in 1 2 3 4 5; do
	PORT=$((20000 + RANDOM % 30000))
	cat >"$TMP/ng/nginx.conf" <<CONF
worker_processes 1;
pid $TMP/ng/nginx.pid;
error_log $TMP/ng/error.log;
events { worker_connections 512; }
http {
	log_format h2 '\$server_protocol \$connection \$request_method \$uri \$status';
	access_log $TMP/ng/access.log h2;
	client_body_temp_path $TMP/ng/body; proxy_temp_path $TMP/ng/proxy;
	fastcgi_temp_path $TMP/ng/fcgi; uwsgi_temp_path $TMP/ng/uwsgi; scgi_temp_path $TMP/ng/scgi;
	server {
		listen 127.0.0.1:$PORT ssl http2;
		ssl_certificate $TMP/srv.pem; ssl_certificate_key $TMP/srv.key;
		location /two/ { proxy_pass ${UP2}/; }
		location / { proxy_pass $UP1; }
	}
}
CONF
	if nginx -c "$TMP/ng/nginx.conf" -e "$TMP/ng/error.log" 2>/dev/null; then
		started=1
		break
	fi
done
if [ $started -eq 0 ]; then
	not_ok "nginx started" "$(tail -3 "$TMP/ng/error.log")"
	exit 0
fi
trap 'nginx -c "$TMP/ng/nginx.conf" -s stop 2>/dev/null; t_finish' EXIT

export TTS_APP_API_KEY=$KEY TTS_CA_FILE=$TMP/ca.pem
TTS_APP_ID=my-app TTS_API_URL=https://127.0.0.1:$PORT run_tool tts application my-app --dry-run --concurrency 16
assert_rc "export over HTTP/2 exits 0" 0
assert_eq "all four devices" 4 "$(wc -l <"$OUT")"
TTS_APP_ID=h2-app TTS_API_URL=https://127.0.0.1:$PORT/two run_tool tts application h2-app --dry-run --concurrency 32
assert_rc "60 devices over HTTP/2 with 32 workers exit 0" 0
assert_eq "60 devices exported" 60 "$(wc -l <"$OUT")"
sleep 0.2
assert_eq "every request was HTTP/2" "HTTP/2.0" "$(awk '{print $1}' "$TMP/ng/access.log" | sort -u | tr '\n' ' ' | sed 's/ $//')"
# 60 devices: one IS list page, then NS, AS and JS gets each (issue 13), so at least 180.
conns=$(awk '$4 ~ /h2-app/ {print $2}' "$TMP/ng/access.log" | sort -u | wc -l)
reqs=$(awk '$4 ~ /h2-app/' "$TMP/ng/access.log" | wc -l)
if [ "$conns" -le 2 ] && [ "$reqs" -ge 180 ]; then
	ok "$reqs requests of 32 workers on $conns connection(s): multiplexed"
else
	not_ok "requests of 32 workers multiplexed on one or two connections" "$reqs requests on $conns connections"
fi
