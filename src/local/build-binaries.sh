#!/usr/bin/env bash
# Builds pinned control-plane binaries (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok, and kubectl at the apiserver's
# version; on request also the real
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
#                   kube-controller-manager, kube-scheduler, kwok, kubectl,
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
#                   "kwok-stages=DIR", "kwok-crds=DIR" with kwok) and exit; no build, no Go
#                   needed, the files may not exist yet
#
# Environment:
#   AIGW_SCALE_CACHE    cache root (default: $HOME/.cache/aigw-scale)
#   ETCD_VERSION        default v3.6.16
#   KUBERNETES_VERSION  default v1.36.3 (apiserver, controller-manager, scheduler, kubectl)
#   KWOK_VERSION        default v0.8.0
#   AI_GATEWAY_VERSION  default from build/versions.generated.sh (github.com/envoyproxy/ai-gateway ./cmd/controller, ./cmd/extproc)
#   AIGW_SCALE_AI_GATEWAY_SRC  the ai-gateway source when the proxy refuses the module: a
#                       `git archive` .tar.gz (default ../shared/upstream-src/ai-gateway-<version>.tar.gz,
#                       checked against its pinned sha256, or AIGW_SCALE_AI_GATEWAY_SHA256) or a checkout
#   ENVOY_GATEWAY_VERSION default from build/versions.generated.sh (github.com/envoyproxy/gateway/cmd/envoy-gateway)
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
# The controllers' pins live in src/install/facts.ts; this file is generated from it.
# shellcheck source=build/versions.generated.sh
source "$(cd "$(dirname "$0")" && pwd)/build/versions.generated.sh"
AI_GATEWAY_VERSION="${AI_GATEWAY_VERSION:-$DEFAULT_AI_GATEWAY_VERSION}"
ENVOY_GATEWAY_VERSION="${ENVOY_GATEWAY_VERSION:-$DEFAULT_ENVOY_GATEWAY_VERSION}"
PULUMI_VERSION="${PULUMI_VERSION:-v3.248.0}"
PULUMI_NODEJS_HOST_VERSION="${PULUMI_NODEJS_HOST_VERSION:-v3.68.0}"
PULUMI_KUBERNETES_VERSION="${PULUMI_KUBERNETES_VERSION:-v4.25.0}"
PULUMI_KUBERNETES_MODULE_VERSION="${PULUMI_KUBERNETES_MODULE_VERSION:-v4.0.0-20260115033456-f47bc2d6f199}"
# Lowest Go that the default pins accept (all three declare `go 1.26.0`).
MIN_GO="1.26.0"

CACHE="${AIGW_SCALE_CACHE:-$HOME/.cache/aigw-scale}"
DEFAULT_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl)
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
    kube-*|kubectl) echo "$KUBERNETES_VERSION" ;;
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
  [[ " ${selected[*]} " == *" kwok "* ]] && echo "kwok-stages=$(dirname "$(bin_path kwok)")/stages" && echo "kwok-crds=$(dirname "$(bin_path kwok)")/crds"
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
    kubectl) echo "Client Version: $KUBERNETES_VERSION" ;;
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
    kubectl) timeout 30 "$1" version --client 2>&1 ;;
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

# ---- builders ----------------------------------------------------------------
# One file per family of components, sourced here so they share the settings and
# helpers above.
for part in cluster controllers pulumi; do
  # shellcheck source=/dev/null
  source "$(cd "$(dirname "$0")" && pwd)/build/$part.sh"
done

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
[[ " ${selected[*]} " == *" kwok "* ]] && install_kwok_stages && install_kwok_crds
[[ " ${selected[*]} " == *" pulumi "* ]] && install_pulumi_dynamic_provider
echo "build-binaries: all done in $(($(date +%s) - total_start)) s"
