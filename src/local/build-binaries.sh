#!/usr/bin/env bash
# Builds pinned control-plane binaries (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok; on request also the real
# controllers: ai-gateway-controller, ai-gateway-extproc, envoy-gateway, with this
# repo's aigw-scale-probe; or the Pulumi engine: pulumi,
# pulumi-language-nodejs, pulumi-resource-kubernetes) from the Go module proxy
# into a cache outside the repo. The only network this project can rely on is the
# package registries, so release tarballs are not an option: everything is
# compiled from module sources. Idempotent: a binary that is already present
# and reports the expected version is not rebuilt.
#
# Usage:
#   src/local/build-binaries.sh [--only etcd,kube-apiserver,...] [--with-controllers] [--with-pulumi] [--print-paths]
#
#   --only LIST     comma-separated subset of: etcd, kube-apiserver,
#                   kube-controller-manager, kube-scheduler, kwok,
#                   ai-gateway-controller, ai-gateway-extproc, envoy-gateway,
#                   aigw-scale-probe, pulumi,
#                   pulumi-language-nodejs, pulumi-resource-kubernetes
#   --with-controllers
#                   also build the controllers (ai-gateway-controller, its extproc,
#                   envoy-gateway) and aigw-scale-probe (this repo's xDS/extproc
#                   observer, src/local/probe); they are not in the default set
#   --with-pulumi   also build the Pulumi CLI, its Node.js language host and
#                   the Kubernetes provider (for `npm run test:e2e`; not needed
#                   when a Pulumi CLI is installed the usual way)
#   --print-paths   print "name=path" lines for the selected binaries (plus
#                   "kwok-stages=DIR" with kwok) and exit; no build, no Go
#                   needed, the files may not exist yet
#
# Environment:
#   AIGW_SCALE_CACHE    cache root (default: $HOME/.cache/aigw-scale)
#   ETCD_VERSION        default v3.6.16
#   KUBERNETES_VERSION  default v1.36.3 (apiserver, controller-manager, scheduler)
#   KWOK_VERSION        default v0.8.0
#   AI_GATEWAY_VERSION  default v1.1.0 (github.com/envoyproxy/ai-gateway ./cmd/controller, ./cmd/extproc)
#   AIGW_SCALE_AI_GATEWAY_SRC  the ai-gateway source when the proxy refuses the module: a
#                       `git archive` .tar.gz (default ../shared/upstream-src/ai-gateway-<version>.tar.gz,
#                       checked against its pinned sha256, or AIGW_SCALE_AI_GATEWAY_SHA256) or a checkout
#   ENVOY_GATEWAY_VERSION default v1.8.1 (github.com/envoyproxy/gateway/cmd/envoy-gateway)
#   PULUMI_VERSION      default v3.248.0 (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi; matches @pulumi/pulumi)
#   PULUMI_NODEJS_HOST_VERSION default v3.68.0: the last github.com/pulumi/pulumi/sdk/v3
#                       release with the Node.js language host inside; later ones are a
#                       module of their own that the proxy here does not serve
#   PULUMI_KUBERNETES_VERSION default v4.25.0 (matches @pulumi/kubernetes); its module
#                       github.com/pulumi/pulumi-kubernetes/provider/v4 has no tags of its
#                       own, so the release commit is named by PULUMI_KUBERNETES_MODULE_VERSION
#                       (default v4.0.0-20260115033456-f47bc2d6f199 = tag v4.25.0)
#
# Layout: $CACHE/bin/<component>-<version>/<component> (aigw-scale-probe's
# version is a hash of its sources; kwok also gets a
# stages/ dir of Stage configs there); wrapper modules in
# $CACHE/src, build logs in $CACHE/logs. GOCACHE and GOMODCACHE are left at
# Go's defaults so that rebuilds after a version bump stay incremental.
set -euo pipefail

ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
KUBERNETES_VERSION="${KUBERNETES_VERSION:-v1.36.3}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
AI_GATEWAY_VERSION="${AI_GATEWAY_VERSION:-v1.1.0}"
ENVOY_GATEWAY_VERSION="${ENVOY_GATEWAY_VERSION:-v1.8.1}"
PULUMI_VERSION="${PULUMI_VERSION:-v3.248.0}"
PULUMI_NODEJS_HOST_VERSION="${PULUMI_NODEJS_HOST_VERSION:-v3.68.0}"
PULUMI_KUBERNETES_VERSION="${PULUMI_KUBERNETES_VERSION:-v4.25.0}"
PULUMI_KUBERNETES_MODULE_VERSION="${PULUMI_KUBERNETES_MODULE_VERSION:-v4.0.0-20260115033456-f47bc2d6f199}"
# Lowest Go that the default pins accept (all three declare `go 1.26.0`).
MIN_GO="1.26.0"

CACHE="${AIGW_SCALE_CACHE:-$HOME/.cache/aigw-scale}"
DEFAULT_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
CONTROLLER_COMPONENTS=(ai-gateway-controller ai-gateway-extproc envoy-gateway aigw-scale-probe)
PULUMI_COMPONENTS=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes)
ALL_COMPONENTS=("${DEFAULT_COMPONENTS[@]}" "${CONTROLLER_COMPONENTS[@]}" "${PULUMI_COMPONENTS[@]}")

# The probe is built from this repo, so its "version" is a hash of its sources:
# a cached binary is rebuilt exactly when they change.
PROBE_SRC="$(cd "$(dirname "$0")" && pwd)/probe"
probe_version() {
  (cd "$PROBE_SRC" && LC_ALL=C cat go.mod go.sum $(LC_ALL=C ls *.go) | sha256sum | cut -c1-12)
}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "build-binaries: $*" >&2; exit 1; }

version_of() {
  case "$1" in
    etcd) echo "$ETCD_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    kube-*) echo "$KUBERNETES_VERSION" ;;
    ai-gateway-controller|ai-gateway-extproc) echo "$AI_GATEWAY_VERSION" ;;
    envoy-gateway) echo "$ENVOY_GATEWAY_VERSION" ;;
    aigw-scale-probe) probe_version ;;
    pulumi) echo "$PULUMI_VERSION" ;;
    pulumi-language-nodejs) echo "$PULUMI_NODEJS_HOST_VERSION" ;;
    pulumi-resource-kubernetes) echo "$PULUMI_KUBERNETES_VERSION" ;;
  esac
}
bin_path() { echo "$CACHE/bin/$1-$(version_of "$1")/$1"; }

# ---- arguments --------------------------------------------------------------
only=""
print_paths=0
with_controllers=0
with_pulumi=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --only) [[ $# -ge 2 ]] || die "--only needs a value"; only="$2"; shift 2 ;;
    --only=*) only="${1#--only=}"; shift ;;
    --print-paths) print_paths=1; shift ;;
    --with-controllers) with_controllers=1; shift ;;
    --with-pulumi) with_pulumi=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

selected=()
if [[ -z "$only" ]]; then
  selected=("${DEFAULT_COMPONENTS[@]}")
  [[ $with_controllers -eq 1 ]] && selected+=("${CONTROLLER_COMPONENTS[@]}")
  [[ $with_pulumi -eq 1 ]] && selected+=("${PULUMI_COMPONENTS[@]}")
else
  [[ $with_controllers -eq 1 ]] && only="$only,$(IFS=,; echo "${CONTROLLER_COMPONENTS[*]}")"
  [[ $with_pulumi -eq 1 ]] && only="$only,$(IFS=,; echo "${PULUMI_COMPONENTS[*]}")"

  IFS=',' read -ra wanted <<<"$only"
  for w in "${wanted[@]}"; do
    [[ -z "$w" ]] && continue
    [[ " ${ALL_COMPONENTS[*]} " == *" $w "* ]] ||
      die "unknown component '$w' (known: ${ALL_COMPONENTS[*]})"
  done
  # Keep the canonical order whatever order --only used.
  for c in "${ALL_COMPONENTS[@]}"; do
    [[ ",$only," == *",$c,"* ]] && selected+=("$c")
  done
  [[ ${#selected[@]} -gt 0 ]] || die "--only selected nothing"
fi

if [[ $print_paths -eq 1 ]]; then
  for c in "${selected[@]}"; do echo "$c=$(bin_path "$c")"; done
  [[ " ${selected[*]} " == *" kwok "* ]] && echo "kwok-stages=$(dirname "$(bin_path kwok)")/stages"
  exit 0
fi

# ---- toolchain --------------------------------------------------------------
command -v go >/dev/null 2>&1 ||
  die "'go' not found on PATH. Install Go >= $MIN_GO (https://go.dev/dl/; Debian's golang-go is too old) and re-run."
go_version="$(go env GOVERSION)"; go_version="${go_version#go}"
if [[ "$(printf '%s\n%s\n' "$MIN_GO" "$go_version" | sort -V | head -n1)" != "$MIN_GO" ]]; then
  die "Go $go_version is too old; the pinned modules need Go >= $MIN_GO (install a newer Go, or set GOTOOLCHAIN=go$MIN_GO to let go fetch it from the module proxy)."
fi

mkdir -p "$CACHE/bin" "$CACHE/src" "$CACHE/logs"

# Two concurrent runs would race on the wrapper modules; serialise them.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.build.lock"
  flock -n 9 || { echo "another build-binaries run holds $CACHE/.build.lock; waiting…"; flock 9; }
fi

tmp_files=()
builder_pid=""
cleanup() { for f in "${tmp_files[@]+"${tmp_files[@]}"}"; do rm -f "$f"; done; }
# The build runs in its own process group (see below), so a signal sent to
# this script alone must be forwarded, or `go build` would keep running.
on_signal() {
  [[ -n "$builder_pid" ]] && kill -TERM -- "-$builder_pid" 2>/dev/null
  exit 130
}
trap cleanup EXIT
trap on_signal INT TERM HUP
# Leftovers of runs killed hard (SIGKILL); safe to drop while we hold the lock.
rm -f "$CACHE"/bin/*/.*.tmp.* 2>/dev/null || true

# A binary counts as built only if it runs and reports the pinned version.
expected_version_text() {
  case "$1" in
    etcd) echo "etcd Version: ${ETCD_VERSION#v}" ;;
    kwok) echo "${KWOK_VERSION#v}" ;;
    kube-*) echo "Kubernetes $KUBERNETES_VERSION" ;;
    envoy-gateway) echo "ENVOY_GATEWAY_VERSION: $ENVOY_GATEWAY_VERSION" ;;
    aigw-scale-probe) probe_version ;;
    # The controller has no version flag (and -trimpath keeps -ldflags out of
    # the build info): look for the linked-in version string itself.
    ai-gateway-controller|ai-gateway-extproc) echo "$AI_GATEWAY_VERSION-0-g" ;;
    pulumi) echo "$PULUMI_VERSION" ;;
    # Plugins have no version flag: look for the version linked in with -X.
    pulumi-language-nodejs) echo "$PULUMI_NODEJS_HOST_VERSION" ;;
    pulumi-resource-kubernetes) echo "${PULUMI_KUBERNETES_VERSION#v}" ;;
  esac
}
version_output() {
  case "$2" in
    envoy-gateway|aigw-scale-probe) timeout 30 "$1" version 2>&1 ;;
    ai-gateway-controller|ai-gateway-extproc) grep -aoE -m1 -- "${AI_GATEWAY_VERSION//./\\.}-[0-9]+-g[0-9a-f]+" "$1" | head -n1 ;;
    pulumi) PULUMI_SKIP_UPDATE_CHECK=true timeout 30 "$1" version 2>&1 ;;
    pulumi-language-nodejs) grep -aoF -m1 -- "$PULUMI_NODEJS_HOST_VERSION" "$1" | head -n1 ;;
    pulumi-resource-kubernetes) grep -aoF -m1 -- "${PULUMI_KUBERNETES_VERSION#v}" "$1" | head -n1 ;;
    *) timeout 30 "$1" --version 2>&1 ;;
  esac
}
binary_ok() {
  local out
  [[ -x "$1" ]] || return 1
  out="$(version_output "$1" "$2")" || return 1
  [[ "$out" == *"$(expected_version_text "$2")"* ]]
}

# A field (Dir, GoMod, Info) of `go mod download -json module@version`: where
# the module cache put the source, its go.mod, its .info.
download_field() {
  go mod download -json "$1" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\$/\1/p"
}

# Field of the proxy's .info JSON for module@version (Time; Origin.Hash when
# the proxy records it), without depending on jq.
info_field() {
  local info
  info="$(download_field "$1" Info)"
  [[ -f "$info" ]] && sed -n "s/.*\"$2\": *\"\([^\"]*\)\".*/\1/p" "$info" | head -n1
  return 0
}

# Common flags: static, reproducible, stripped (as the upstream release builds).
GO_BUILD_FLAGS=(-trimpath -buildvcs=false)
export CGO_ENABLED=0

# A throwaway module in SRC that requires PKG@VERSION… (plus one go.mod line,
# e.g. a replace a dependency's own go.mod has and a dependent must repeat):
# modules whose go.mod has replace directives cannot be `go install`ed.
# prepare_wrapper SRC NAME EXTRA_GOMOD_LINE PKG@VERSION…
prepare_wrapper() {
  local src="$1" name="$2" extra="$3"
  shift 3
  [[ -f "$src/.ready" ]] && return 0
  rm -rf "$src"; mkdir -p "$src"
  {
    printf 'module aigw-scale.local/%s\n\ngo %s\n' "$name" "$MIN_GO"
    if [[ -n "$extra" ]]; then printf '\n%s\n' "$extra"; fi
  } >"$src/go.mod"
  (cd "$src" && go get "$@")
  touch "$src/.ready"
}

# ---- etcd -------------------------------------------------------------------
# server/v3's go.mod has replace directives (../api etc.), so `go install
# pkg@version` refuses it; a throwaway wrapper module that requires it works.
# Its main package (go.etcd.io/etcd/server/v3) calls etcdmain.Main(os.Args).
build_etcd() {
  local out="$1" src="$CACHE/src/etcd-$ETCD_VERSION"
  prepare_wrapper "$src" etcd-build "" "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  local sha
  sha="$(info_field "go.etcd.io/etcd/server/v3@$ETCD_VERSION" Hash)"
  (cd "$src" && nice -n 10 go build "${GO_BUILD_FLAGS[@]}" \
    -ldflags "-s -w${sha:+ -X go.etcd.io/etcd/api/v3/version.GitSHA=${sha:0:9}}" \
    -o "$out" go.etcd.io/etcd/server/v3)
}

# ---- Kubernetes ---------------------------------------------------------------
# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces every staging
# module (k8s.io/api, k8s.io/client-go, …) with ./staging/src/… and requires
# them at v0.0.0. The wrapper module requires k8s.io/kubernetes and replaces
# each staging module with its published v0.<minor>.<patch> tag. The staging
# list is read from the downloaded go.mod so new staging modules are picked up.
kube_src() { echo "$CACHE/src/kubernetes-$KUBERNETES_VERSION"; }
prepare_kubernetes() {
  local src; src="$(kube_src)"
  [[ -f "$src/.ready" ]] && return 0
  local gomod staging_version go_line
  gomod="$(download_field "k8s.io/kubernetes@$KUBERNETES_VERSION" GoMod)"
  [[ -f "$gomod" ]] || die "could not download k8s.io/kubernetes@$KUBERNETES_VERSION"
  staging_version="v0.${KUBERNETES_VERSION#v1.}"
  go_line="$(awk '$1 == "go" { print $2; exit }' "$gomod")"
  rm -rf "$src"; mkdir -p "$src"
  {
    printf 'module aigw-scale.local/kubernetes-build\n\ngo %s\n\n' "${go_line:-$MIN_GO}"
    # Same GODEBUG defaults as upstream's own main module.
    grep -E '^godebug ' "$gomod" || true
    printf '\nreplace (\n'
    awk -v v="$staging_version" \
      '$2 == "=>" && $3 ~ /^\.\/staging\// { printf "\t%s => %s %s\n", $1, $1, v }' "$gomod"
    printf ')\n'
  } >"$src/go.mod"
  # Naming the three main packages makes `go get` record go.sum entries for
  # everything they import, so the builds run with the default -mod=readonly.
  (cd "$src" && go get \
    "k8s.io/kubernetes/cmd/kube-apiserver@$KUBERNETES_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$KUBERNETES_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$KUBERNETES_VERSION")
  touch "$src/.ready"
}
build_kube() {
  local name="$1" out="$2" src build_date commit minor ldflags=() pkg
  prepare_kubernetes
  src="$(kube_src)"
  # Release time from the proxy keeps buildDate reproducible.
  build_date="$(info_field "k8s.io/kubernetes@$KUBERNETES_VERSION" Time)"
  commit="$(info_field "k8s.io/kubernetes@$KUBERNETES_VERSION" Hash)"
  minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  # Same variables as upstream hack/lib/version.sh, in both packages it sets.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=("-X $pkg.gitVersion=$KUBERNETES_VERSION"
      "-X $pkg.gitMajor=1" "-X $pkg.gitMinor=$minor"
      "-X $pkg.gitTreeState=clean"
      ${build_date:+"-X $pkg.buildDate=$build_date"}
      ${commit:+"-X $pkg.gitCommit=$commit"})
  done
  (cd "$src" && nice -n 10 go build "${GO_BUILD_FLAGS[@]}" \
    -tags selinux,notest,grpcnotrace \
    -ldflags "-s -w ${ldflags[*]}" \
    -o "$out" "k8s.io/kubernetes/cmd/$name")
}

# ---- kwok ---------------------------------------------------------------------
# No replace directives upstream, so a plain `go install pkg@version` works.
build_kwok() {
  local out="$1" gobin
  gobin="$(mktemp -d "$CACHE/src/.kwok-gobin.XXXXXX")"
  GOBIN="$gobin" nice -n 10 go install "${GO_BUILD_FLAGS[@]}" -ldflags "-s -w" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv -f "$gobin/kwok" "$out"
  rmdir "$gobin"
}

# kwok does nothing without Stage configs. Its release ships default ones in the
# module source (kustomize/stage); install the "fast" node and pod stages beside
# the binary, where `aigw-scale local up` passes them with --config.
kwok_stages_dir() { echo "$(dirname "$(bin_path kwok)")/stages"; }
install_kwok_stages() {
  local dest src tmp
  dest="$(kwok_stages_dir)"
  [[ -f "$dest/pod-ready.yaml" ]] && return 0
  src="$(download_field "sigs.k8s.io/kwok@$KWOK_VERSION" Dir)/kustomize/stage"
  [[ -d "$src" ]] || die "kwok stages not found in the module source ($src)"
  tmp="$(mktemp -d "$(dirname "$dest")/.stages.XXXXXX")"
  cp "$src/node/fast/node-initialize.yaml" "$src/pod/fast/pod-ready.yaml" \
     "$src/pod/fast/pod-complete.yaml" "$src/pod/fast/pod-delete.yaml" "$tmp/"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  echo "kwok stages installed in $dest"
}

# ---- Envoy Gateway -----------------------------------------------------------
# No replace directives upstream: `go install pkg@version` works. Same version
# variables as upstream tools/make/golang.mk (git describe → the tag, and the
# commit, here from the proxy's Origin.Hash).
build_envoy_gateway() {
  local out="$1" gobin commit
  commit="$(info_field "github.com/envoyproxy/gateway@$ENVOY_GATEWAY_VERSION" Hash)"
  gobin="$(mktemp -d "$CACHE/src/.envoy-gateway-gobin.XXXXXX")"
  GOBIN="$gobin" nice -n 10 go install "${GO_BUILD_FLAGS[@]}" \
    -ldflags "-s -w -X github.com/envoyproxy/gateway/internal/cmd/version.envoyGatewayVersion=$ENVOY_GATEWAY_VERSION${commit:+ -X github.com/envoyproxy/gateway/internal/cmd/version.gitCommitID=$commit}" \
    "github.com/envoyproxy/gateway/cmd/envoy-gateway@$ENVOY_GATEWAY_VERSION"
  mv -f "$gobin/envoy-gateway" "$out"
  rmdir "$gobin"
}

# ---- AI Gateway controller and external processor ----------------------------
# No replace directives upstream; built inside its own module so its go.sum pins
# every dependency (all of which the proxy serves). The module itself comes from
# the proxy when it serves it; the proxy reachable here refuses it (HTTP 403), so
# otherwise from the source archive in ../shared/upstream-src (or the archive or
# checkout that AIGW_SCALE_AI_GATEWAY_SRC names). A pinned archive must match its
# sha256. Both binaries carry the same version string (the extproc rejects a
# filter config written by a controller of another version), set as upstream's
# Makefile does from `git describe --tags --long`.
declare -A AI_GATEWAY_ARCHIVE_SHA256=(
  [v1.1.0]=1ae906f1692161bf1af41a5d713daa2c36fdbb2a0ae114b3ae1db28625d94e9d
)
ai_gateway_src() { echo "$CACHE/src/ai-gateway-$AI_GATEWAY_VERSION"; }
ai_gateway_source_setting() {
  if [[ -n "${AIGW_SCALE_AI_GATEWAY_SRC:-}" ]]; then echo "$AIGW_SCALE_AI_GATEWAY_SRC"
  else echo "$(cd "$(dirname "$0")/../.." && pwd)/../shared/upstream-src/ai-gateway-$AI_GATEWAY_VERSION.tar.gz"; fi
}
# Unpacks (or copies) the source named by the setting into $1 and writes $1/.commit.
unpack_ai_gateway_source() {
  local dest="$1" source sha expected top
  source="$(ai_gateway_source_setting)"
  if [[ -d "$source" ]]; then
    [[ -f "$source/go.mod" ]] && grep -q '^module github.com/envoyproxy/ai-gateway$' "$source/go.mod" ||
      die "$source is not an ai-gateway checkout (no go.mod of module github.com/envoyproxy/ai-gateway)"
    cp -R "$source/." "$dest/"; chmod -R u+w "$dest"
    git -C "$source" rev-parse HEAD >"$dest/.commit" 2>/dev/null || : >"$dest/.commit"
    echo "ai-gateway source: checkout $source (commit $(cat "$dest/.commit"))"
    return 0
  fi
  [[ -f "$source" ]] || die "no AI Gateway source at $source: the Go module proxy refuses github.com/envoyproxy/ai-gateway; point AIGW_SCALE_AI_GATEWAY_SRC at the ai-gateway-$AI_GATEWAY_VERSION.tar.gz archive (git archive of tag $AI_GATEWAY_VERSION) or a checkout"
  sha="$(sha256sum "$source" | cut -d' ' -f1)"
  expected="${AIGW_SCALE_AI_GATEWAY_SHA256:-${AI_GATEWAY_ARCHIVE_SHA256[$AI_GATEWAY_VERSION]:-}}"
  if [[ -n "$expected" && "$sha" != "$expected" ]]; then
    die "$source has sha256 $sha, expected $expected for ai-gateway $AI_GATEWAY_VERSION (set AIGW_SCALE_AI_GATEWAY_SHA256 to accept another archive)"
  fi
  [[ -n "$expected" ]] || echo "warning: no pinned sha256 for ai-gateway $AI_GATEWAY_VERSION; archive sha256 $sha" >&2
  # `git archive` records the commit in the tar's pax header. (Both readers stop early: SIGPIPE is expected.)
  { gzip -dc "$source" 2>/dev/null || true; } | { git get-tar-commit-id 2>/dev/null || true; } >"$dest/.commit"
  top="$({ tar tzf "$source" 2>/dev/null || true; } | head -n1)"; top="${top%%/*}"
  tar xzf "$source" -C "$dest" --strip-components=1 "$top"
  echo "ai-gateway source: archive $source (sha256 $sha, commit $(cat "$dest/.commit"))"
}
prepare_ai_gateway() {
  local src dir
  src="$(ai_gateway_src)"
  [[ -f "$src/.ready" ]] && return 0
  rm -rf "$src"; mkdir -p "$src"
  if [[ -z "${AIGW_SCALE_AI_GATEWAY_SRC:-}" ]]; then
    dir="$(download_field "github.com/envoyproxy/ai-gateway@$AI_GATEWAY_VERSION" Dir 2>/dev/null)" || true
  fi
  if [[ -n "${dir:-}" && -d "$dir" ]]; then
    cp -R "$dir/." "$src/"; chmod -R u+w "$src"
    info_field "github.com/envoyproxy/ai-gateway@$AI_GATEWAY_VERSION" Hash >"$src/.commit"
    echo "ai-gateway source: module proxy"
  else
    unpack_ai_gateway_source "$src"
  fi
  (cd "$src" && go mod download)
  touch "$src/.ready"
}
build_ai_gateway() {
  local pkg="$1" out="$2" src commit
  prepare_ai_gateway
  src="$(ai_gateway_src)"
  commit="$(cat "$src/.commit" 2>/dev/null || true)"
  (cd "$src" && nice -n 10 go build "${GO_BUILD_FLAGS[@]}" \
    -ldflags "-s -w -X github.com/envoyproxy/ai-gateway/internal/version.version=$AI_GATEWAY_VERSION-0-g${commit:0:9}" \
    -o "$out" "$pkg")
}

# ---- aigw-scale-probe ----------------------------------------------------------
# This repo's own module (src/local/probe); it pins go-control-plane and grpc at
# Envoy Gateway's versions, so the Go build cache is shared with that build.
build_probe() {
  local out="$1"
  (cd "$PROBE_SRC" && nice -n 10 go build "${GO_BUILD_FLAGS[@]}" \
    -ldflags "-s -w -X main.version=$(probe_version)" -o "$out" .)
}

# ---- Pulumi ------------------------------------------------------------------
# The CLI: pkg/v3's go.mod replaces sdk/v3 with ../sdk and atotto/clipboard
# with a fork; a wrapper module requires both at the release and repeats the
# fork replacement (replace directives of dependencies are ignored).
pulumi_src() { echo "$CACHE/src/pulumi-$PULUMI_VERSION"; }
build_pulumi() {
  local out="$1" src gomod fork
  src="$(pulumi_src)"
  if [[ ! -f "$src/.ready" ]]; then
    gomod="$(download_field "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" GoMod)"
    fork="$(awk '$1 == "replace" && $2 == "github.com/atotto/clipboard" { print $4 " " $5 }' "$gomod")"
    prepare_wrapper "$src" pulumi-build "${fork:+replace github.com/atotto/clipboard => $fork}" \
      "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
  fi
  (cd "$src" && nice -n 10 go build "${GO_BUILD_FLAGS[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}

# Dynamic providers (the `bundle` fixture) run through this small script from
# the Node.js SDK's module source; the CLI release ships it beside `pulumi`.
install_pulumi_dynamic_provider() {
  local dest src
  dest="$(dirname "$(bin_path pulumi)")/pulumi-resource-pulumi-nodejs"
  [[ -x "$dest" ]] && return 0
  src="$(download_field "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" Dir)/nodejs/dist/pulumi-resource-pulumi-nodejs"
  [[ -f "$src" ]] || die "pulumi-resource-pulumi-nodejs not found in the module source ($src)"
  install -m 0755 "$src" "$dest"
  echo "pulumi-resource-pulumi-nodejs installed in $(dirname "$dest")"
}

# The Node.js language host lives in sdk/v3 up to v3.68.0 (see the header); its
# go.mod has a replace directive, hence the wrapper module.
build_pulumi_language_nodejs() {
  local out="$1" src="$CACHE/src/pulumi-language-nodejs-$PULUMI_NODEJS_HOST_VERSION"
  prepare_wrapper "$src" pulumi-language-nodejs-build "" "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@$PULUMI_NODEJS_HOST_VERSION"
  (cd "$src" && nice -n 10 go build "${GO_BUILD_FLAGS[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_NODEJS_HOST_VERSION" \
    -o "$out" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)
}

# The Kubernetes provider: its go.mod replaces the sdk/v4 module with ../sdk
# and its main package embeds schema-embed.json, which upstream's own
# generate.go writes from schema.json (both in the module source). So: copy the
# module source, point the sdk at its release, generate, build.
build_pulumi_resource_kubernetes() {
  local out="$1" src="$CACHE/src/pulumi-kubernetes-$PULUMI_KUBERNETES_VERSION" dir
  if [[ ! -f "$src/.ready" ]]; then
    dir="$(download_field "github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_MODULE_VERSION" Dir)"
    [[ -n "$dir" && -d "$dir" ]] || die "could not download github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_KUBERNETES_MODULE_VERSION"
    rm -rf "$src"; mkdir -p "$src"
    cp -R "$dir/." "$src/"; chmod -R u+w "$src"
    sed -i "s#^replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => .*#replace github.com/pulumi/pulumi-kubernetes/sdk/v4 => github.com/pulumi/pulumi-kubernetes/sdk/v4 $PULUMI_KUBERNETES_VERSION#" "$src/go.mod"
    (cd "$src" && go mod download &&
      cd cmd/pulumi-resource-kubernetes && VERSION="${PULUMI_KUBERNETES_VERSION#v}" go run generate.go)
    touch "$src/.ready"
  fi
  (cd "$src" && nice -n 10 go build -mod=mod "${GO_BUILD_FLAGS[@]}" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${PULUMI_KUBERNETES_VERSION#v}" \
    -o "$out" ./cmd/pulumi-resource-kubernetes)
}

# ---- main loop ----------------------------------------------------------------
echo "build-binaries: cache $CACHE, go $go_version ($(go env GOPROXY))"
total_start=$(date +%s)
n=${#selected[@]}
i=0
for c in "${selected[@]}"; do
  i=$((i + 1))
  v="$(version_of "$c")"
  dest="$(bin_path "$c")"
  if binary_ok "$dest" "$c"; then
    echo "[$i/$n] $c $v cached"
    continue
  fi
  echo "[$i/$n] building $c $v …"
  start=$(date +%s)
  mkdir -p "$(dirname "$dest")"
  # Build next to the destination, then rename: an interrupted build never
  # leaves a partial file under the final name.
  tmp="$(dirname "$dest")/.$c.tmp.$$"
  tmp_files+=("$tmp")
  log="$CACHE/logs/$c-$v.log"
  case "$c" in
    etcd) builder=(build_etcd "$tmp") ;;
    kwok) builder=(build_kwok "$tmp") ;;
    envoy-gateway) builder=(build_envoy_gateway "$tmp") ;;
    aigw-scale-probe) builder=(build_probe "$tmp") ;;
    ai-gateway-controller) builder=(build_ai_gateway ./cmd/controller "$tmp") ;;
    ai-gateway-extproc) builder=(build_ai_gateway ./cmd/extproc "$tmp") ;;
    pulumi) builder=(build_pulumi "$tmp") ;;
    pulumi-language-nodejs) builder=(build_pulumi_language_nodejs "$tmp") ;;
    pulumi-resource-kubernetes) builder=(build_pulumi_resource_kubernetes "$tmp") ;;
    *) builder=(build_kube "$c" "$tmp") ;;
  esac
  # Background job under `set -m` = own process group, killable as a whole.
  # (errexit would be ignored inside `if ! (…)`, hence the explicit wait.)
  set -m
  (set -e; "${builder[@]}") >"$log" 2>&1 &
  builder_pid=$!
  set +m
  rc=0
  wait "$builder_pid" || rc=$?
  builder_pid=""
  if [[ $rc -ne 0 ]]; then
    tail -n 30 "$log" >&2
    die "building $c $v failed (full log: $log)"
  fi
  binary_ok "$tmp" "$c" || {
    version_output "$tmp" "$c" >&2 || true
    die "$c $v built but its version check does not report '$(expected_version_text "$c")'"
  }
  mv -f "$tmp" "$dest"
  echo "[$i/$n] $c $v done in $(($(date +%s) - start)) s"
done
[[ " ${selected[*]} " == *" kwok "* ]] && install_kwok_stages
[[ " ${selected[*]} " == *" pulumi "* ]] && install_pulumi_dynamic_provider
echo "build-binaries: all done in $(($(date +%s) - total_start)) s"
