#!/usr/bin/env bash
# Builds what `make conformance` runs besides the cluster — the upstream e2e suite (e2e.test) and
# its test server (agnhost) of Kubernetes $K8S_VERSION, and CoreDNS with only the plugins the
# cluster's DNS needs (hack/coredns/main.go) — from the Go module proxy into a per-user cache
# keyed by version, and prints that folder.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
# The CoreDNS that Kubernetes 1.34's kubeadm deploys (cmd/kubeadm/app/constants).
COREDNS_VERSION=${COREDNS_VERSION:-v1.12.4}
LOG_PREFIX=conformance
# shellcheck source=lib/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-build.sh"
COREDNS_MAIN="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/coredns/main.go"
# The plugin list is part of the binary: a changed main.go is a different build.
COREDNS_KEY=$(sha256sum "$COREDNS_MAIN" | cut -c1-12)
ASSETS="$CACHE_ROOT/assets/conformance-k8s-$K8S_VERSION-coredns-$COREDNS_VERSION-$COREDNS_KEY"

cached_or_start e2e.test agnhost coredns

# A test binary is not a command: `go test -c` in the same wrapper module as the control plane.
build_suite() {
  log "compiling e2e.test $K8S_VERSION (go test -c; about 8 minutes on a cold cache)"
  go test -c -trimpath -ldflags "-s -w" -o "$ASSETS/e2e.test.tmp" k8s.io/kubernetes/test/e2e
  mv "$ASSETS/e2e.test.tmp" "$ASSETS/e2e.test"
}

build_agnhost() {
  log "compiling agnhost $K8S_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$ASSETS/agnhost.tmp" k8s.io/kubernetes/test/images/agnhost
  mv "$ASSETS/agnhost.tmp" "$ASSETS/agnhost"
}

build_coredns() {
  mkdir -p "$BUILD_WORK/coredns" && cd "$BUILD_WORK/coredns"
  go mod init cloudlb.dev/build/coredns >/dev/null 2>&1
  cp "$COREDNS_MAIN" main.go
  log "resolving github.com/coredns/coredns@$COREDNS_VERSION"
  go_get "github.com/coredns/coredns@$COREDNS_VERSION"
  log "compiling coredns $COREDNS_VERSION (cache, errors, health, kubernetes, ready)"
  go build -trimpath -ldflags "-s -w" -o "$ASSETS/coredns.tmp" .
  mv "$ASSETS/coredns.tmp" "$ASSETS/coredns"
}

have_assets coredns || (build_coredns)
if ! have_assets e2e.test agnhost; then
  enter_kube_module "$BUILD_WORK/kube"
  have_assets e2e.test || build_suite
  have_assets agnhost || build_agnhost
fi
log "built in $((SECONDS - started)) s into $ASSETS"
echo "$ASSETS"
