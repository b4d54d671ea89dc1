# shellcheck shell=bash
# Builders of etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok; sourced by ../build-binaries.sh, whose settings
# (versions, CACHE, GO_BUILD_FLAGS) and helpers (die, download_field, info_field,
# prepare_wrapper) they use.

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
  touch "$src/.ready"
}
build_kube() {
  local name="$1" out="$2" src build_date commit minor ldflags=() pkg
  prepare_kubernetes
  src="$(kube_src)"
  # Naming the main package makes `go get` record go.sum entries for everything
  # it imports, so the build runs with the default -mod=readonly (also in a
  # wrapper prepared before this component was added); a no-op once recorded.
  (cd "$src" && go get "k8s.io/kubernetes/cmd/$name@$KUBERNETES_VERSION")
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

# Copies files from kwok's module source (paths relative to its root) into a folder beside the binary, atomically
# (a temporary folder renamed into place), unless that folder already holds the last of them.
install_from_kwok_source() {
  local name="$1" dest src tmp file
  shift
  dest="$(dirname "$(bin_path kwok)")/$name"
  [[ -f "$dest/$(basename "${@: -1}")" ]] && return 0
  src="$(download_field "sigs.k8s.io/kwok@$KWOK_VERSION" Dir)"
  for file in "$@"; do [[ -f "$src/$file" ]] || die "kwok $name: $file not found in the module source ($src)"; done
  tmp="$(mktemp -d "$(dirname "$dest")/.$name.XXXXXX")"
  for file in "$@"; do cp "$src/$file" "$tmp/"; done
  rm -rf "$dest"
  mv "$tmp" "$dest"
  echo "kwok $name installed in $dest"
}

# kwok does nothing without Stage configs. Its release ships default ones in the module source (kustomize/stage);
# install the "fast" node and pod stages beside the binary, where `aigw-scale local up` passes them with --config.
install_kwok_stages() {
  install_from_kwok_source stages kustomize/stage/node/fast/node-initialize.yaml kustomize/stage/pod/fast/pod-complete.yaml \
    kustomize/stage/pod/fast/pod-delete.yaml kustomize/stage/pod/fast/pod-ready.yaml
}

# kwok serves port-forwards to local addresses from PortForward objects (`--enable-crds=PortForward`): install
# the CRD from the module source beside the binary, where `aigw-scale local up` applies it before kwok starts.
install_kwok_crds() {
  install_from_kwok_source crds kustomize/crd/bases/kwok.x-k8s.io_portforwards.yaml
}
