#!/usr/bin/env bash
# Builds the local cluster's binaries from Go modules into a cache keyed by version.
# Nothing prebuilt is downloaded; only Go modules come from the module proxy.
# Usage: sandbox/build.sh   (prints the bin directory on its last line)
set -euo pipefail

K8S_VERSION=v1.33.13
ETCD_VERSION=v3.5.35
KWOK_VERSION=v0.7.0
HELM_VERSION=v3.18.6
ACT_VERSION=v0.2.89

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SANDBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vcluster-etcd-migrate}
bin="$cache/bin"
mkdir -p "$bin"

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

command -v go >/dev/null || { echo "Go is required to build the sandbox (go 1.25 or later on PATH)." >&2; exit 1; }
gov=$(go env GOVERSION | sed 's/^go//')
case "$gov" in 1.2[5-9]*|1.[3-9]*) ;; *) echo "Go $gov is too old: the sandbox needs Go 1.25 or later." >&2; exit 1;; esac

# -mod=mod lets the build record a missing go.sum line instead of stopping; the committed go.sum is complete.
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod" GOTOOLCHAIN=local

# build <name> <stamp-file-version> <command...>: runs the command unless the stamp says it is done.
done_for() { [ -f "$bin/.$1" ] && [ "$(cat "$bin/.$1")" = "$2" ]; }
stamp() { echo "$2" > "$bin/.$1"; }

if ! done_for etcd "$ETCD_VERSION"; then
  log "etcd $ETCD_VERSION: etcd, etcdctl, etcdutl"
  # All three main packages end in /v3, so each gets its name with -o.
  for pair in etcd:server etcdctl:etcdctl etcdutl:etcdutl; do
    (cd "$here/build/etcd" && go build -trimpath -ldflags "-s -w" -o "$bin/${pair%%:*}" "go.etcd.io/etcd/${pair#*:}/v3")
  done
  stamp etcd "$ETCD_VERSION"
fi

if ! done_for kwok "$KWOK_VERSION"; then
  log "kwok $KWOK_VERSION"
  GOBIN="$bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  stamp kwok "$KWOK_VERSION"
fi

# helm's offline default (helm template, lint) is Kubernetes v1.20 unless stamped, as upstream's Makefile does.
HELM_K8S_MINOR=33
HELM_STAMP="$HELM_VERSION+k8s1.$HELM_K8S_MINOR"
if ! done_for helm "$HELM_STAMP"; then
  log "helm $HELM_VERSION"
  hld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    hld="$hld -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$HELM_K8S_MINOR"
  done
  GOBIN="$bin" go install -trimpath -ldflags "$hld" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  stamp helm "$HELM_STAMP"
fi

# nektos/act runs the example workflows on this host (-P ubuntu-latest=-self-hosted), no Docker.
if ! done_for act "$ACT_VERSION"; then
  log "act $ACT_VERSION"
  GOBIN="$bin" go install -trimpath -ldflags "-s -w -X main.version=$ACT_VERSION" "github.com/nektos/act@$ACT_VERSION"
  stamp act "$ACT_VERSION"
fi

if ! done_for kubernetes "$K8S_VERSION"; then
  log "kubernetes $K8S_VERSION: kube-apiserver, kube-controller-manager, kube-scheduler (cold: 15-30 min on 2 cores)"
  minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  ld=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ld="$ld -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.gitTreeState=clean -X $p.buildDate=$now"
  done
  (cd "$here/build/kubernetes" && go build -trimpath -ldflags "-s -w $ld" -o "$bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
  stamp kubernetes "$K8S_VERSION"
fi

log "binaries ready in $bin"
echo "$bin"
