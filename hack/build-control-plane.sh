#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from the Go module proxy into a per-user cache keyed
# by version, and prints the folder that holds them (usable as KUBEBUILDER_ASSETS).
# The wrapper-module logic is shared with hack/build-node.sh in hack/lib/go-build.sh.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
LOG_PREFIX=control-plane
# shellcheck source=lib/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-build.sh"
ASSETS="$CACHE_ROOT/assets/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"

GO_HINT="set KUBEBUILDER_ASSETS" cached_or_start kube-apiserver etcd kubectl

build_etcd() {
  mkdir -p "$BUILD_WORK/etcd" && cd "$BUILD_WORK/etcd"
  go mod init cloudlb.dev/build/etcd >/dev/null 2>&1
  log "resolving go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go_get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  log "compiling etcd $ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$ASSETS/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$ASSETS/etcd.tmp" "$ASSETS/etcd"
}

have_assets etcd || build_etcd
if ! have_assets kube-apiserver kubectl; then
  enter_kube_module "$BUILD_WORK/kube"
  build_kube_commands kube-apiserver kubectl
fi
log "built in $((SECONDS - started)) s into $ASSETS"
echo "$ASSETS"
