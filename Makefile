# The two commands: `make demo` and `make test`. Each installs what it needs: Node.js >= 22.19
# (node@24 from the npm registry into .cache/node when the machine's node is older), npm
# dependencies, the control-plane binaries (built once from the Go module proxy into
# ~/.cache/cloud-lb-operator) and, for tests, moto_server.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Every recipe that runs node or npm starts with this, so they use the project's Node.
USE_NODE = export PATH="$$(scripts/ensure-node.sh):$$PATH"
NPM_STAMP := node_modules/.cloudlb-npm-ci

.PHONY: help deps control-plane node-deps moto test unit typecheck lint format generate build demo run cluster cluster-down gce-fake bench

help:
	@echo "make demo          run the operator on an embedded default (local provider) and show it working"
	@echo "make test          type-check, lint and run every test against a real control plane"
	@echo "make build         compile to dist/ (what the container image runs)"
	@echo "make image         build the operator's OCI image without Docker (debootstrap + node 24) and print its archive"
	@echo "make pause-image   build registry.k8s.io/pause:3.10.1 from hack/pause (for a node that cannot pull it)"
	@echo "make lint          eslint + prettier --check"
	@echo "make generate      write crds/ from the provider registry (after changing a provider's spec schema)"
	@echo "make run ARGS=...  run the operator from source, e.g. ARGS='--cluster-name dev --kubeconfig ~/.kube/config'"
	@echo "make cluster       start a local kube-apiserver + etcd and print its KUBECONFIG; make cluster-down stops it"
	@echo "make cluster NODE=1   ... plus a real node (containerd, kubelet, kube-proxy) on this machine (root); NODE=2 for two"
	@echo "make gce-fake PORT=8089   run the Compute Engine fake in the foreground"
	@echo "make bench         run the benchmarks in bench/"

deps: $(NPM_STAMP)

$(NPM_STAMP): package.json package-lock.json
	@$(USE_NODE); echo "[deps] npm ci (node $$(node --version))"; npm ci --no-audit --no-fund --loglevel=error
	@touch $@

control-plane:
	@command -v openssl >/dev/null || { echo "[deps] installing openssl"; apt-get update -qq && apt-get install -y -qq openssl; }
	@bash hack/build-control-plane.sh >/dev/null

# A real node (root only; elsewhere the node tests say why they are skipped): Debian's runc, CNI
# plugins, iptables, conntrack, busybox-static (the test image), debootstrap (the operator image's
# Debian base, which the node tests and the real-node demo build), and the node binaries.
NODE_PACKAGES := runc containernetworking-plugins iptables nftables iproute2 conntrack busybox-static debootstrap
node-deps:
	@if [ "$$(id -u)" = 0 ]; then \
	  missing=""; for p in $(NODE_PACKAGES); do dpkg -s "$$p" >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then echo "[deps] installing$$missing"; apt-get update -qq && apt-get install -y -qq $$missing; fi; \
	  bash hack/build-node.sh >/dev/null; \
	fi

moto:
	@bash scripts/ensure-moto.sh >/dev/null

typecheck: deps
	@$(USE_NODE); echo "[typecheck] tsc --noEmit"; npx tsc -p tsconfig.json --noEmit

lint: deps
	@$(USE_NODE); echo "[lint] eslint + prettier"; npx eslint . && npx prettier --check --log-level warn .

format: deps
	@$(USE_NODE); npx prettier --write --log-level warn .

test: deps control-plane node-deps moto typecheck lint
	@$(USE_NODE); NODES=$(or $(NODE),1) node test/run.ts $(TESTS)

generate: deps
	@$(USE_NODE); node scripts/generate-crd.ts

build: deps
	@$(USE_NODE); rm -rf dist && npx tsc -p tsconfig.build.json && echo "[build] dist/src/main.js"

# On a machine that can run a real node (root), node-deps installs what the real-node demo needs.
demo: deps control-plane node-deps
	@$(USE_NODE); node scripts/demo.ts $(ARGS)

run: deps
	@$(USE_NODE); node src/main.ts $(ARGS)

cluster: deps control-plane $(if $(NODE),node-deps)
	@$(USE_NODE); node test/harness/cluster-cli.ts up $(if $(NODE),--nodes $(NODE))

cluster-down: deps
	@$(USE_NODE); node test/harness/cluster-cli.ts down

gce-fake: deps
	@$(USE_NODE); node test/gce-fake/main.ts --port $(or $(PORT),8089)

bench: deps control-plane moto
	@$(USE_NODE); for b in bench/*.bench.ts; do echo "== $$b"; node "$$b" $(ARGS); done

# No registry and no Docker engine: an OCI archive in ~/.cache/cloud-lb-operator/images, imported
# into a running `make cluster NODE=1`. debootstrap and chroot need root.
.PHONY: image pause-image
image: deps
	@command -v debootstrap >/dev/null || { echo "[deps] installing debootstrap"; apt-get update -qq && apt-get install -y -qq debootstrap; }
	@$(USE_NODE); node scripts/image/build.ts

pause-image: deps
	@$(USE_NODE); node scripts/image/pause.ts

# The upstream e2e suite's [Feature:LoadBalancer] specs against the operator on a real node (root;
# README "Conformance"). Not part of `make test`: see the README for its time. Two nodes; NODE=1 for one,
# FOCUS=<regex over the table's names> for a few specs, SPEC_TIMEOUT=<Ginkgo duration> per spec.
.PHONY: conformance
conformance: deps control-plane node-deps image
	@bash hack/build-conformance.sh >/dev/null
	@$(USE_NODE); NODES=$(or $(NODE),2) node scripts/conformance/run.ts
