#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with Go 1.26 (as root, or
# with sudo): installs what the checks need, then runs gofmt, go vet, the
# generated-code checks (protobuf, the browser client's build), `go test
# -race ./...` (headless-browser tests included, and commands_test.go, which
# runs the documented commands) and a locust smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages the checks need, installed only when missing:
# protoc for the generated-code check; a C compiler, OpenGL and X11 headers
# for fyne's cgo build of the desktop client; Node.js and npm to rebuild the
# browser client; Chromium for the browser tests; openssl for the README's
# secret recipe, which the documented-commands test runs.
missing=()
command -v protoc >/dev/null || missing+=(protobuf-compiler)
command -v openssl >/dev/null || missing+=(openssl)
command -v gcc >/dev/null || missing+=(gcc)
command -v npm >/dev/null || missing+=(nodejs npm)
command -v chromium >/dev/null || missing+=(chromium)
for pkg in pkg-config libgl1-mesa-dev xorg-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

say "generated code is up to date"
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
GOBIN="$tools/bin" go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
mkdir -p "$tools/gen"
PATH="$tools/bin:$PATH" protoc --go_out="$tools/gen" --go_opt=paths=source_relative -I model model/chat_message.proto
# The header names protoc's version; any protoc 3.21+ generates the same code.
strip() { grep -v '^// 	protoc ' "$1"; }
if ! cmp -s <(strip "$tools/gen/chat_message.pb.go") <(strip model/chat_message.pb.go); then
  echo "model/chat_message.pb.go is stale: run 'go generate ./model' and commit the result" >&2
  exit 1
fi

say "the browser client's build (web/dist) is up to date"
node_major() { node -p 'process.versions.node.split(".")[0]'; }
if [ "$(node_major)" -lt 20 ]; then
  # Debian 12's own Node.js is 18; the npm registry serves Node.js 20 itself
  # (the node package), for this run only.
  say "Node.js $(node --version) is too old for web/: using Node.js 20 from the npm registry"
  npm install --prefix "$tools/node" --no-audit --no-fund --loglevel=error node@20 >/dev/null
  export PATH="$tools/node/node_modules/.bin:$PATH"
  if [ "$(node_major)" -lt 20 ]; then
    echo "Node.js $(node --version) is too old to build web/: install Node.js 20 or later" >&2
    exit 1
  fi
fi
(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
if [ -n "$(git status --porcelain -- web/dist web/src/gen)" ]; then
  git status --short -- web/dist web/src/gen >&2
  echo "a fresh build of web/ differs from the committed web/dist (or web/src/gen):" >&2
  echo "run 'cd web && npm ci && npm run build' and commit the result" >&2
  exit 1
fi

say "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt-ed:" >&2; echo "$unformatted" >&2; exit 1
fi

say "go vet"
go vet ./...

say "go test -race"
# The browser tests skip without Chromium; here it is installed, so a
# missing one is a failure.
CHATROOM_BROWSER_TESTS=required go test -race -count=1 -timeout 15m ./...

say "locust smoke run"
bash scripts/locust-smoke.sh
