#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from the Go module proxy into a per-user cache keyed
# by version, and prints the folder that holds them (usable as KUBEBUILDER_ASSETS).
#
# Why a wrapper module: `go install pkg@version` refuses modules whose go.mod has replace
# directives, and both k8s.io/kubernetes and etcd's server have them. k8s.io/kubernetes also
# requires every staging module (k8s.io/api, k8s.io/client-go, ...) at v0.0.0 with a local
# replace that a dependent module ignores, so we generate `replace k8s.io/X => k8s.io/X v0.MINOR.PATCH`
# from the go.mod of the exact version we build — a hand-kept list would go stale.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
CACHE_ROOT=${CLOUDLB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cloud-lb-operator}
ASSETS="$CACHE_ROOT/assets/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"

log() { printf '[control-plane] %s\n' "$*" >&2; }

if [[ -x "$ASSETS/kube-apiserver" && -x "$ASSETS/etcd" && -x "$ASSETS/kubectl" ]]; then
  echo "$ASSETS"
  exit 0
fi
command -v go >/dev/null || { log "go is not installed; install Go or set KUBEBUILDER_ASSETS"; exit 1; }

mkdir -p "$ASSETS"
work=$(mktemp -d "${TMPDIR:-/tmp}/cloudlb-cp-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off
started=$SECONDS

build_kube() {
  local dir="$work/kube" staging="v0.${K8S_VERSION#v1.}" gomod minor
  minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  mkdir -p "$dir" && cd "$dir"
  go mod init cloudlb.dev/build/kube >/dev/null 2>&1
  log "downloading k8s.io/kubernetes@$K8S_VERSION (module metadata)"
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [[ -f "$gomod" ]] || { log "could not locate go.mod of k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
  local n=0
  while read -r mod; do
    go mod edit -replace="$mod=$mod@$staging"
    n=$((n + 1))
  done < <(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$gomod" | sort -u)
  log "replaced $n staging modules with $staging"
  log "resolving dependencies (first run downloads a few hundred MB of modules)"
  go get "k8s.io/kubernetes@$K8S_VERSION" >/dev/null 2>&1 || go get "k8s.io/kubernetes@$K8S_VERSION"
  local pkg="k8s.io/component-base/version" cpkg="k8s.io/client-go/pkg/version"
  local date; date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local ld="-s -w"
  for p in $pkg $cpkg; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$date"
  done
  for cmd in kube-apiserver kubectl; do
    log "compiling $cmd $K8S_VERSION (CGO_ENABLED=0; several minutes on a cold cache)"
    go build -trimpath -ldflags "$ld" -o "$ASSETS/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$ASSETS/$cmd.tmp" "$ASSETS/$cmd"
  done
}

build_etcd() {
  local dir="$work/etcd"
  mkdir -p "$dir" && cd "$dir"
  go mod init cloudlb.dev/build/etcd >/dev/null 2>&1
  log "resolving go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1 || go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  log "compiling etcd $ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$ASSETS/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$ASSETS/etcd.tmp" "$ASSETS/etcd"
}

[[ -x "$ASSETS/etcd" ]] || build_etcd
[[ -x "$ASSETS/kube-apiserver" && -x "$ASSETS/kubectl" ]] || build_kube
log "built in $((SECONDS - started)) s into $ASSETS"
echo "$ASSETS"
