#!/usr/bin/env bash
# Runs the store-agnostic test suite against Ceph RGW, a second real S3 implementation:
# installs and starts a single-node cluster (.ci/ceph-rgw.sh), runs `npx vitest run` against it,
# and always stops the cluster afterwards, also when the tests fail. Exit status: the tests'.
set -euo pipefail
cd "$(dirname "$0")/.."
trap '.ci/ceph-rgw.sh stop || true' EXIT
exports="$(.ci/ceph-rgw.sh start)"
eval "$exports"
echo "ceph-suite: running the suite against Ceph RGW at $S3_ENDPOINT" >&2
npx vitest run "$@"
