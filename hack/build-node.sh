#!/usr/bin/env bash
# Builds what a real node needs besides the control plane — kubelet, kube-proxy, kube-scheduler,
# kube-controller-manager and containerd 2 (containerd, containerd-shim-runc-v2, ctr) — from the
# Go module proxy into a per-user cache keyed by version, and prints that folder.
# runc and the CNI plugins come from Debian's packages (the Makefile installs them).
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.34.4}
# The newest 2.2.x on the Go module proxy when this was written
# (`go list -m -versions github.com/containerd/containerd/v2`).
CONTAINERD_VERSION=${CONTAINERD_VERSION:-v2.2.9}
LOG_PREFIX=node
# shellcheck source=lib/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-build.sh"
ASSETS="$CACHE_ROOT/assets/node-k8s-$K8S_VERSION-containerd-$CONTAINERD_VERSION"
KUBE=(kubelet kube-proxy kube-scheduler kube-controller-manager)
CONTAINERD=(containerd containerd-shim-runc-v2 ctr)

cached_or_start "${KUBE[@]}" "${CONTAINERD[@]}"

# containerd's optional snapshotters need cgo or host libraries; overlayfs is the one we use.
build_containerd() {
  local mod=github.com/containerd/containerd/v2 cmd
  mkdir -p "$BUILD_WORK/containerd" && cd "$BUILD_WORK/containerd"
  go mod init cloudlb.dev/build/containerd >/dev/null 2>&1
  log "resolving $mod@$CONTAINERD_VERSION"
  go_get "$mod@$CONTAINERD_VERSION"
  for cmd in "${CONTAINERD[@]}"; do
    log "compiling $cmd $CONTAINERD_VERSION"
    go build -trimpath -tags "no_btrfs no_devmapper no_zfs" \
      -ldflags "-s -w -X $mod/version.Version=$CONTAINERD_VERSION -X $mod/version.Package=$mod" \
      -o "$ASSETS/$cmd.tmp" "$mod/cmd/$cmd"
    mv "$ASSETS/$cmd.tmp" "$ASSETS/$cmd"
  done
}

have_assets "${CONTAINERD[@]}" || build_containerd
if ! have_assets "${KUBE[@]}"; then
  enter_kube_module "$BUILD_WORK/kube"
  build_kube_commands "${KUBE[@]}"
fi
log "built in $((SECONDS - started)) s into $ASSETS"
echo "$ASSETS"
