# shellcheck shell=bash
# Builders of Envoy Gateway, the AI Gateway controller and extproc, and aigw-scale-probe; sourced by ../build-binaries.sh, whose settings
# (versions, CACHE, GO_BUILD_FLAGS) and helpers (die, download_field, info_field,
# prepare_wrapper) they use.

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
