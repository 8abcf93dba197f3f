#!/usr/bin/env bash
# image-check.sh builds the oabot image and checks the running container the way an IT
# officer would rely on it: non-root, /healthz, Docker's HEALTHCHECK on the default and on
# a custom port, a QR code that a real decoder reads, and a poster PDF with Vietnamese text.
# Needs docker (and zbarimg, pdftotext from `make tools`). Not part of `make test`: CI has
# no Docker engine.
#
#   deploy/image-check.sh            # builds oabot:check from deploy/Dockerfile
#   IMAGE=oabot:dev deploy/image-check.sh --no-build
set -euo pipefail
cd "$(dirname "$0")/.."
image=${IMAGE:-oabot:check}
if [[ "${1:-}" != "--no-build" ]]; then
	# BuildKit would fetch the dockerfile frontend from Docker Hub; the classic builder
	# needs only the two base images.
	DOCKER_BUILDKIT=0 docker build --network host -f deploy/Dockerfile -t "$image" .
fi
for t in zbarimg pdftotext curl; do
	command -v "$t" >/dev/null || { echo "image-check: $t missing (make tools)" >&2; exit 1; }
done
tmp=$(mktemp -d)
names=()
cleanup() { docker rm -f "${names[@]}" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "image-check: FAIL: $*" >&2; exit 1; }

run() { # name, host port, extra docker args…
	local name=$1 port=$2
	shift 2
	names+=("$name")
	docker rm -f "$name" >/dev/null 2>&1 || true
	docker run -d --name "$name" "$@" "$image" >/dev/null
	for _ in $(seq 1 50); do
		curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	docker logs "$name" >&2
	fail "$name: /healthz did not answer on port $port"
}
healthy() { # name: wait for Docker's HEALTHCHECK verdict
	for _ in $(seq 1 40); do
		case $(docker inspect --format '{{.State.Health.Status}}' "$1") in
		healthy) return 0 ;;
		unhealthy) fail "$1: HEALTHCHECK says unhealthy" ;;
		esac
		sleep 1
	done
	fail "$1: HEALTHCHECK gave no verdict in 40 s"
}

port=${PORT:-18180}
run oabot-check-a "$port" -p "127.0.0.1:$port:8080"
[[ $(docker exec oabot-check-a id -u) != 0 ]] || fail "the container runs as root"
curl -fsS -o "$tmp/qr.png" "http://127.0.0.1:$port/qr/ca-demo/1.014061.png"
want="http://localhost:8080/q/ca-demo/1.014061"
got=$(zbarimg -q --raw "$tmp/qr.png" 2>/dev/null) || true
[[ "$got" == "$want" ]] || fail "QR decodes to '$got', want '$want'"
token=$(docker logs oabot-check-a 2>&1 | grep -o 'demo-[0-9a-f]\{48\}' | head -1)
[[ -n "$token" ]] || fail "no demo officer token printed"
curl -fsS -o "$tmp/p.pdf" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/posters/ca-demo.pdf?size=a5&codes=1.014061"
pdftotext "$tmp/p.pdf" - | grep -q "Cấp thẻ căn cước" || fail "the poster PDF lacks the Vietnamese procedure name (font?)"
healthy oabot-check-a

# A custom listen address: the HEALTHCHECK must follow it.
port2=$((port + 1))
run oabot-check-b "$port2" -e OABOT_HTTP_ADDR=:9090 -p "127.0.0.1:$port2:9090"
healthy oabot-check-b
echo "image-check: $image OK (uid $(docker exec oabot-check-a id -u), QR read by zbar, poster font, HEALTHCHECK on :8080 and :9090)"
