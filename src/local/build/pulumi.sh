# shellcheck shell=bash
# Builders of the Pulumi CLI, its Node.js language host and the Kubernetes provider; sourced by ../build-binaries.sh, whose settings
# (versions, CACHE, GO_BUILD_FLAGS) and helpers (die, download_field, info_field,
# prepare_wrapper) they use.

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
