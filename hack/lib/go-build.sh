# Shared by hack/build-*.sh (sourced, not run): the per-user asset cache and the wrapper module
# that builds commands of k8s.io/kubernetes from the Go module proxy.
#
# Why a wrapper module: `go install pkg@version` refuses modules whose go.mod has replace
# directives, and both k8s.io/kubernetes and etcd's server have them. k8s.io/kubernetes also
# requires every staging module (k8s.io/api, k8s.io/client-go, ...) at v0.0.0 with a local
# replace that a dependent module ignores, so we generate `replace k8s.io/X => k8s.io/X v0.MINOR.PATCH`
# from the go.mod of the exact version we build — a hand-kept list would go stale.

CACHE_ROOT=${CLOUDLB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cloud-lb-operator}
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off

log() { printf '[%s] %s\n' "$LOG_PREFIX" "$*" >&2; }

require_go() {
  command -v go >/dev/null || { log "go is not installed; install Go${1:+ or $1}"; exit 1; }
}

# A fresh scratch folder, removed when the script exits.
scratch_dir() {
  BUILD_WORK=$(mktemp -d "${TMPDIR:-/tmp}/cloudlb-build.XXXXXX")
  trap 'rm -rf "$BUILD_WORK"' EXIT
}

# `go get` quietly, and again loudly when it fails so the reason is shown.
go_get() { go get "$1" >/dev/null 2>&1 || go get "$1"; }

# Enters a new wrapper module in $1 that requires k8s.io/kubernetes@$K8S_VERSION with its staging
# modules replaced by their published versions.
enter_kube_module() {
  local dir=$1 staging="v0.${K8S_VERSION#v1.}" gomod n=0
  mkdir -p "$dir" && cd "$dir"
  go mod init cloudlb.dev/build/kube >/dev/null 2>&1
  log "downloading k8s.io/kubernetes@$K8S_VERSION (module metadata)"
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [[ -f "$gomod" ]] || { log "could not locate go.mod of k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
  while read -r mod; do
    go mod edit -replace="$mod=$mod@$staging"
    n=$((n + 1))
  done < <(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$gomod" | sort -u)
  log "replaced $n staging modules with $staging"
  log "resolving dependencies (first run downloads a few hundred MB of modules)"
  go_get "k8s.io/kubernetes@$K8S_VERSION"
}

# Builds k8s.io/kubernetes/cmd/<name> for each argument into $ASSETS, from inside the wrapper
# module. Without the -X flags the binaries call themselves v0.0.0-master, which kubectl and
# version checks dislike.
build_kube_commands() {
  local minor=${K8S_VERSION#v1.} date ld="-s -w" p cmd
  minor=${minor%%.*}
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$date"
  done
  for cmd in "$@"; do
    log "compiling $cmd $K8S_VERSION (CGO_ENABLED=0; several minutes on a cold cache)"
    go build -trimpath -ldflags "$ld" -o "$ASSETS/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$ASSETS/$cmd.tmp" "$ASSETS/$cmd"
  done
}

# True when every named file in $ASSETS is executable.
have_assets() {
  local name
  for name in "$@"; do [[ -x "$ASSETS/$name" ]] || return 1; done
}

# Every build script's start: when all the named binaries are cached, print $ASSETS and exit;
# otherwise check for Go (GO_HINT names the alternative), make $ASSETS and a scratch folder, and
# start the clock (`started`) for the closing log line.
cached_or_start() {
  if have_assets "$@"; then
    echo "$ASSETS"
    exit 0
  fi
  require_go "${GO_HINT:-}"
  mkdir -p "$ASSETS"
  scratch_dir
  started=$SECONDS
}
