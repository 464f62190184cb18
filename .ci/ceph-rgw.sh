#!/usr/bin/env bash
# A single-node Ceph cluster with a RADOS Gateway (S3) on 127.0.0.1, for running the test suite
# against a second, independent S3 implementation. No systemd: one mon, one memstore OSD, one
# radosgw, all as plain daemons with their files under $CEPH_RGW_DIR.
#
#   .ci/ceph-rgw.sh start   install (Debian packages) if needed, start, create the S3 user and
#                           bucket, print the S3_* exports on stdout (idempotent: when the cluster
#                           is already up it only prints them)
#   .ci/ceph-rgw.sh env     print the S3_* exports of the running cluster
#   .ci/ceph-rgw.sh stop    stop radosgw, then the OSD, then the mon; remove the files (idempotent)
#
#   eval "$(.ci/ceph-rgw.sh start)" && npx vitest run
#
# Settings that matter (measured, see docs/resilience.md):
#   osd objectstore = memstore, pool size 1     no disk, no replicas
#   ms * mode = crc secure                      else radosgw loops on auth error -13 for a minute
#   beast tcp_nodelay=1                         else every GET waits ~48 ms (Nagle + delayed ACK)
#   small pg counts                             radosgw creates ~7 pools; 32 PGs each exceed
#                                               mon_max_pg_per_osd on a single OSD
set -euo pipefail

DIR="${CEPH_RGW_DIR:-/tmp/cloudcached-ceph-rgw}"
CONF="$DIR/ceph.conf"
STATE="$DIR/s3.env"
BUCKET="${CEPH_RGW_BUCKET:-cloudcached}"
REGION="${CEPH_RGW_REGION:-default}" # RGW's default zonegroup is named "default"
READY_SECONDS="${CEPH_RGW_READY_SECONDS:-90}"

log() { echo "ceph-rgw: $*" >&2; }
trap 'log "failed at line $LINENO (logs in $DIR/log)"' ERR

ceph_cli() { timeout 30 ceph -c "$CONF" "$@"; }

free_port() {
  python3 - <<'EOF' 2>/dev/null || node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

install_packages() {
  if command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null; then return; fi
  log "installing radosgw ceph-mon ceph-osd (Debian)"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  apt-cache policy radosgw ceph-mon ceph-osd >&2
  # Packaging installs systemd units; without systemd running they are inert.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >&2
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

running() {
  [ -f "$STATE" ] && pid_alive "$DIR/run/client.rgw.gw.pid" && pid_alive "$DIR/run/osd.0.pid" && pid_alive "$DIR/run/mon.a.pid"
}

print_env() {
  [ -f "$STATE" ] || { log "not running (no $STATE)"; exit 1; }
  cat "$STATE"
}

# Stops one daemon by its pid file and waits for it to exit (TERM, then KILL after 10 s).
stop_daemon() {
  local pidfile="$DIR/run/$1.pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

stop() {
  # Order matters: radosgw first (it holds OSD sessions), then the OSD, then the mon.
  stop_daemon client.rgw.gw
  stop_daemon osd.0
  stop_daemon mon.a
  rm -rf "$DIR"
  log "stopped"
}

write_conf() {
  local fsid="$1" mon_port="$2" rgw_port="$3"
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
ms cluster mode = crc secure
ms service mode = crc secure
ms client mode = crc secure
ms mon cluster mode = crc secure
ms mon service mode = crc secure
ms mon client mode = crc secure
keyring = $DIR/keyring
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
[mon]
mon data = $DIR/mon/\$cluster-\$id
[osd]
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 4294967296
osd max object size = 134217728
osd op num shards = 1
osd op num threads per shard = 2
[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port tcp_nodelay=1
rgw data = $DIR/rgw
rgw dns name = 127.0.0.1
rgw enable usage log = false
rgw thread pool size = 64
EOF
}

start() {
  if running; then
    log "already running"
    print_env
    return
  fi
  install_packages
  stop >/dev/null 2>&1 || true
  local started=$SECONDS
  mkdir -p "$DIR/run" "$DIR/log" "$DIR/mon/ceph-a" "$DIR/osd/ceph-0" "$DIR/rgw"
  local fsid mon_port rgw_port
  fsid="$(uuidgen)"
  mon_port="$(free_port)"
  rgw_port="$(free_port)"
  while [ "$rgw_port" = "$mon_port" ]; do rgw_port="$(free_port)"; done
  write_conf "$fsid" "$mon_port" "$rgw_port"

  # The mon, with the admin's key in the same keyring.
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring"
  ceph-mon -c "$CONF" -i a
  log "mon up on 127.0.0.1:$mon_port"

  # One memstore OSD.
  local osd_uuid osd_id
  osd_uuid="$(uuidgen)"
  osd_id="$(ceph_cli osd new "$osd_uuid")"
  [ "$osd_id" = 0 ] || { log "unexpected OSD id $osd_id"; exit 1; }
  ceph-authtool --create-keyring "$DIR/osd/ceph-0/keyring" --gen-key -n osd.0 >/dev/null
  ceph_cli auth add osd.0 osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' -i "$DIR/osd/ceph-0/keyring" >/dev/null 2>&1
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" --keyring "$DIR/osd/ceph-0/keyring" >"$DIR/log/osd-mkfs.log" 2>&1
  ceph-osd -c "$CONF" -i 0 --keyring "$DIR/osd/ceph-0/keyring" 2>>"$DIR/log/osd-start.log"
  for _ in $(seq 1 "$READY_SECONDS"); do
    ceph_cli osd stat 2>/dev/null | grep -q '1 up' && break
    sleep 0.5
  done
  log "osd up"

  # radosgw, with its own key.
  ceph_cli auth get-or-create client.rgw.gw mon 'allow rw' osd 'allow rwx' >"$DIR/rgw/keyring"
  radosgw -c "$CONF" -n client.rgw.gw --keyring "$DIR/rgw/keyring"
  local endpoint="http://127.0.0.1:$rgw_port"
  local ok=""
  for _ in $(seq 1 $((READY_SECONDS * 4))); do
    if curl -fsS -o /dev/null --max-time 2 "$endpoint/" 2>/dev/null; then ok=1; break; fi
    pid_alive "$DIR/run/client.rgw.gw.pid" || [ ! -f "$DIR/run/client.rgw.gw.pid" ] || { log "radosgw died, see $DIR/log"; break; }
    sleep 0.25
  done
  if [ -z "$ok" ]; then
    log "radosgw did not answer within ${READY_SECONDS}s; last log lines:"
    tail -n 20 "$DIR/log/client.rgw.gw.log" >&2 || true
    exit 1
  fi
  log "radosgw up on $endpoint"

  # An S3 user and the bucket.
  local access_key secret_key
  access_key="cc$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  secret_key="$(head -c 30 /dev/urandom | base64 | tr -d '/+=\n')"
  timeout 60 radosgw-admin -c "$CONF" user create --uid=cloudcached --display-name="CloudCached tests" \
    --access-key="$access_key" --secret-key="$secret_key" >/dev/null
  local status
  status="$(curl -sS -o "$DIR/log/create-bucket.xml" -w '%{http_code}' --max-time 30 -X PUT \
    --aws-sigv4 "aws:amz:$REGION:s3" --user "$access_key:$secret_key" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$endpoint/$BUCKET")"
  if [ "$status" != 200 ]; then
    log "creating the bucket failed ($status):"
    cat "$DIR/log/create-bucket.xml" >&2
    exit 1
  fi
  cat >"$STATE" <<EOF
export S3_ENDPOINT=$endpoint
export S3_BUCKET=$BUCKET
export S3_ACCESS_KEY_ID=$access_key
export S3_SECRET_ACCESS_KEY=$secret_key
export S3_REGION=$REGION
EOF
  log "ready in $((SECONDS - started)) s"
  print_env
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
