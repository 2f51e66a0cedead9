#!/bin/bash
# vcpu-replay capture lab: boots one QEMU guest, then for every cell of the matrix
# (host load x vCPU policy x cyclictest interval x probe class) captures host + guest ftrace
# text while cyclictest runs in the guest and on the host, and writes one scenario directory.
#
# Usage (as root):
#   traces/capture/run-matrix.sh [options]
#   traces/capture/run-matrix.sh --smoke            # one 2 s run (idle, vanilla, 500 us) into work/smoke
#
# Options:
#   --out DIR              where scenario directories go (default: traces/capture/work/matrix)
#   --duration S           cyclictest duration per run, seconds (default 10)
#   --loads LIST           idle,busy (default: both)
#   --policies LIST        vanilla,static,crosvm-rt (default: all three)
#   --intervals LIST       cyclictest intervals in us (default: 500,1000)
#   --probes LIST          other (SCHED_OTHER, the RFC's command) and/or rt (-p 90 -m) (default: other,rt)
#   --accel tcg|kvm|auto   QEMU accelerator (default tcg; auto tries kvm first and falls back to tcg)
#   --vcpus N              guest vCPUs (default 2)
#   --mem MB               guest memory (default 512)
#   --sync-rounds N        host<->guest sync round trips before and after each run (default 20)
#   --host-buffer-kb KB    host per-CPU ftrace buffer (default 131072)
#   --guest-buffer-kb KB   guest per-CPU ftrace buffer (default 32768)
#   --boot-timeout S       seconds to wait for the guest to boot (default 1200; TCG on a loaded 2-core host is slow)
#   --zstd-level N         zstd level of the trace files (default 19, as bundled; lower is much faster)
#   --host-note TEXT       what else ran on the host during the captures, recorded in scenario.json
#                          (capture.hostNote; default: "not stated" plus the load averages before and after)
#   --keep-raw             keep uncompressed traces and guest tarballs in the work directory
#   --smoke                one short run: --duration 2 --loads idle --policies vanilla --intervals 500 --probes other
#                          --out work/smoke --zstd-level 3
#   -h, --help             this text
#
# Safety: holds flock /tmp/tracefs.lock while it owns tracefs; saves and restores every top-level
# tracefs setting it changes (tracing_on, current_tracer, trace_clock, buffer_size_kb, set_event,
# options/record-tgid) and clears its events from the buffer; restores vCPU thread policies; stops
# QEMU, stress-ng and cyclictest on exit, failure or Ctrl-C.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${LAB_WORK:-$HERE/work}
OUT=$WORK/matrix
DURATION=10
LOADS=idle,busy
POLICIES=vanilla,static,crosvm-rt
INTERVALS=500,1000
PROBES=other,rt
ACCEL=tcg
VCPUS=2
MEM=512
SYNC_ROUNDS=20
HOST_BUF_KB=131072
GUEST_BUF_KB=32768
BOOT_TIMEOUT=1200
KEEP_RAW=0
ZSTD_LEVEL=19
ZSTD_SET=0
OUT_SET=0
HOST_NOTE="not stated"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; OUT_SET=1; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --loads) LOADS=$2; shift 2 ;;
    --policies) POLICIES=$2; shift 2 ;;
    --intervals) INTERVALS=$2; shift 2 ;;
    --probes) PROBES=$2; shift 2 ;;
    --accel) ACCEL=$2; shift 2 ;;
    --vcpus) VCPUS=$2; shift 2 ;;
    --mem) MEM=$2; shift 2 ;;
    --sync-rounds) SYNC_ROUNDS=$2; shift 2 ;;
    --host-buffer-kb) HOST_BUF_KB=$2; shift 2 ;;
    --guest-buffer-kb) GUEST_BUF_KB=$2; shift 2 ;;
    --boot-timeout) BOOT_TIMEOUT=$2; shift 2 ;;
    --keep-raw) KEEP_RAW=1; shift ;;
    --zstd-level) ZSTD_LEVEL=$2; ZSTD_SET=1; shift 2 ;;
    --host-note) HOST_NOTE=$2; shift 2 ;;
    --smoke) DURATION=2; LOADS=idle; POLICIES=vanilla; INTERVALS=500; PROBES=other; [ $OUT_SET = 1 ] || OUT=$WORK/smoke; [ $ZSTD_SET = 1 ] || ZSTD_LEVEL=3; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run-matrix.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
die() { echo "run-matrix.sh: $*" >&2; exit 1; }
log() { echo "[lab $(date -u +%H:%M:%S)] $*" >&2; }
[ "$(id -u)" = 0 ] || die "must run as root (tracefs, chrt)"
for t in qemu-system-x86_64 cyclictest stress-ng chrt zstd tar flock; do command -v $t >/dev/null || die "$t not found"; done
case "$ACCEL" in tcg|kvm|auto) ;; *) die "--accel must be tcg, kvm or auto" ;; esac
for v in $(echo "$LOADS" | tr , ' '); do case $v in idle|busy) ;; *) die "unknown load $v (idle, busy)" ;; esac; done
for v in $(echo "$POLICIES" | tr , ' '); do case $v in vanilla|static|crosvm-rt) ;; *) die "unknown policy $v (vanilla, static, crosvm-rt)" ;; esac; done
for v in $(echo "$PROBES" | tr , ' '); do case $v in other|rt) ;; *) die "unknown probe $v (other, rt)" ;; esac; done
TRACEFS=/sys/kernel/tracing
[ -d $TRACEFS/instances ] || die "tracefs not mounted at $TRACEFS"

# ---- cleanup: everything we start or change is undone here ----------------------------------
QEMU_PID=""
LOAD_PID=""
HOSTCT_PID=""
VCPU_TIDS=()
PENDING=()
LAB_RUN=$WORK/vm
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$HOSTCT_PID" ] && kill "$HOSTCT_PID" 2>/dev/null || true
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null && wait "$LOAD_PID" 2>/dev/null || true
  for tid in "${VCPU_TIDS[@]}"; do chrt -o -p 0 "$tid" 2>/dev/null || true; done
  ! declare -F host_tracefs_restore >/dev/null || host_tracefs_restore || log "could not restore tracefs settings (saved in $WORK/tracefs-saved)"
  if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
    { echo QUIT >&7; } 2>/dev/null || true
    sleep 2
    kill "$QEMU_PID" 2>/dev/null || true
    wait "$QEMU_PID" 2>/dev/null || true
  fi
  exec 9>&-
  exit $rc
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
# A write to the ctl pipe after QEMU died must fail (and be reported), not kill the script.
trap '' PIPE

# ---- guest -------------------------------------------------------------------------------------
"$HERE/build-guest.sh" --work "$WORK" >&2 # kernel package cached; initramfs rebuilt (1 s) so guest-init.sh edits apply
# shellcheck disable=SC1091
. "$WORK/guest/versions.env"
HOST_TSC_KHZ=$(awk -F: '/^cpu MHz/{printf "%d", $2*1000; exit}' /proc/cpuinfo)
mkdir -p "$LAB_RUN" "$OUT"
rm -f "$LAB_RUN"/ctl.in "$LAB_RUN"/ctl.out
mkfifo "$LAB_RUN/ctl.in" "$LAB_RUN/ctl.out"
truncate -s 0 "$LAB_RUN/disk.img"
truncate -s 256M "$LAB_RUN/disk.img"

boot_vm() { # $1 = accel
  local accel=$1 cpu=max acc="tcg,thread=multi"
  [ "$accel" = kvm ] && { acc=kvm; cpu=host; }
  # tsc_early_khz: under TCG the guest TSC runs at the host TSC rate, but the guest's PIT calibration
  # measures emulation speed instead; without this the guest clocks run several times too fast.
  qemu-system-x86_64 -name "vcpu-replay-lab,debug-threads=on" -accel "$acc" -cpu $cpu -smp "$VCPUS" -m "$MEM" \
    -M pc -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$WORK/guest/vmlinuz" -initrd "$WORK/guest/initramfs.cpio" \
    -append "console=ttyS0 tsc=reliable tsc_early_khz=$HOST_TSC_KHZ mitigations=off nowatchdog no_timer_check rcupdate.rcu_cpu_stall_suppress=1 panic=1 loglevel=4 rdinit=/init" \
    -serial "file:$LAB_RUN/console.log" -chardev "pipe,id=ctl,path=$LAB_RUN/ctl" -serial chardev:ctl \
    -drive "file=$LAB_RUN/disk.img,format=raw,if=virtio,cache=writeback" &
  QEMU_PID=$!
  exec 7>"$LAB_RUN/ctl.in" 8<"$LAB_RUN/ctl.out"
}
# Sends a command line, reads one reply line into REPLY_LINE; fails after $2 seconds.
ask() { # command, expected reply word, timeout s
  echo "$1" >&7
  read_reply "$2" "${3:-60}" || die "guest did not answer \"$1\" within ${3:-60} s (console: $LAB_RUN/console.log)"
}
# The reply line starting with $1 into REPLY_LINE. Skips what boot left in the channel (late READYs
# to repeated HELLOs, the tty's echo of HELLOs sent before the guest set raw mode); dies on ERR.
read_reply() { # $1 = expected first word, $2 = timeout s
  while read -r -t "$2" REPLY_LINE <&8; do
    case "$REPLY_LINE" in
      "$1"|"$1 "*) return 0 ;;
      ERR*) die "guest: $REPLY_LINE" ;;
      *) log "ignoring stale guest line: $(printf '%q' "$REPLY_LINE")" ;;
    esac
  done
  return 1
}
wait_ready() { # $1 = timeout s
  local t0=$SECONDS
  while [ $((SECONDS - t0)) -lt "$1" ]; do
    kill -0 "$QEMU_PID" 2>/dev/null || return 1
    echo HELLO >&7 2>/dev/null || return 1
    # The guest may miss HELLOs sent before it put its serial port in raw mode; ask again.
    if read -r -t 5 REPLY_LINE <&8; then
      case "$REPLY_LINE" in READY*) while read -r -t 1 _ <&8; do :; done; return 0 ;; esac
    fi
  done
  return 1
}
USED_ACCEL=$ACCEL
if [ "$ACCEL" = auto ]; then
  USED_ACCEL=tcg
  if [ -w /dev/kvm ]; then
    log "trying KVM"
    boot_vm kvm
    if wait_ready 120; then USED_ACCEL=kvm; else log "KVM guest did not come up within 120 s; falling back to TCG"; kill "$QEMU_PID" 2>/dev/null || true; wait "$QEMU_PID" 2>/dev/null || true; exec 7>&- 8<&-; fi
  fi
fi
if [ "$USED_ACCEL" = tcg ] || [ "$ACCEL" = kvm ]; then
  # A guest kernel can panic at boot when the host is so loaded that its timer checks fail
  # (panic=1 + -no-reboot make QEMU exit); boot again rather than give up.
  for attempt in 1 2 3; do
    log "booting guest ($USED_ACCEL, $VCPUS vCPUs, attempt $attempt; this can take minutes under TCG)"
    boot_vm "$USED_ACCEL"
    wait_ready "$BOOT_TIMEOUT" && break
    kill -0 "$QEMU_PID" 2>/dev/null && die "guest not ready after $BOOT_TIMEOUT s (console: $LAB_RUN/console.log)"
    log "guest stopped during boot: $(grep -m1 -i 'panic' "$LAB_RUN/console.log" || tail -1 "$LAB_RUN/console.log")"
    wait "$QEMU_PID" 2>/dev/null || true
    exec 7>&- 8<&-
    [ "$attempt" = 3 ] && die "guest failed to boot 3 times (console: $LAB_RUN/console.log)"
  done
fi
GUEST_READY=$REPLY_LINE
log "guest: $GUEST_READY"
# vCPU threads: QEMU names them "CPU n/<ACCEL>" with debug-threads=on.
VCPU_MAP=""
for task in /proc/$QEMU_PID/task/*; do
  comm=$(cat "$task/comm" 2>/dev/null || true)
  case "$comm" in "CPU "*/*) VCPU_MAP+="${comm#CPU } ${task##*/}"$'\n' ;; esac
done
VCPU_MAP=$(echo -n "$VCPU_MAP" | sed 's#/[A-Z]*##' | sort -n)
[ "$(echo "$VCPU_MAP" | wc -l)" = "$VCPUS" ] || die "expected $VCPUS vCPU threads, found: $VCPU_MAP"
mapfile -t VCPU_TIDS < <(echo "$VCPU_MAP" | awk '{print $2}')
log "vCPU threads: $(echo "$VCPU_MAP" | tr '\n' ' ')"

# ---- host tracefs --------------------------------------------------------------------------------
HOST_EVENTS="sched/sched_switch sched/sched_waking sched/sched_wakeup sched/sched_wakeup_new sched/sched_migrate_task
  sched/sched_process_fork sched/sched_process_exit irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit"
# The host records into the top-level buffer: tracefs instances on this kernel do not record comms
# or tgids (record-cmd is a top-level-only option), which leaves every host thread as "<...>".
# Everything changed here is saved first and put back by host_tracefs_restore.
SAVED_TRACEFS=""
host_trace_start() {
  exec 9>/tmp/tracefs.lock
  flock -w 600 9 || die "could not take /tmp/tracefs.lock in 600 s"
  SAVED_TRACEFS=$WORK/tracefs-saved
  mkdir -p "$SAVED_TRACEFS"
  cat $TRACEFS/tracing_on > "$SAVED_TRACEFS/tracing_on"
  sed 's/.*\[\(.*\)\].*/\1/' $TRACEFS/trace_clock > "$SAVED_TRACEFS/trace_clock"
  # "7 (expanded: 1408)" before the buffer was first used: keep the first number, as written
  awk '{print $1; exit}' $TRACEFS/buffer_size_kb > "$SAVED_TRACEFS/buffer_size_kb"
  cat $TRACEFS/set_event > "$SAVED_TRACEFS/set_event"
  cat $TRACEFS/options/record-tgid > "$SAVED_TRACEFS/record-tgid"
  cat $TRACEFS/current_tracer > "$SAVED_TRACEFS/current_tracer"
  echo 0 > $TRACEFS/tracing_on
  echo nop > $TRACEFS/current_tracer
  echo mono > $TRACEFS/trace_clock
  echo 1 > $TRACEFS/options/record-tgid
  echo "$HOST_BUF_KB" > $TRACEFS/buffer_size_kb
  echo > $TRACEFS/set_event
  local e d
  for e in $HOST_EVENTS; do echo 1 > "$TRACEFS/events/$e/enable"; done
  for d in $TRACEFS/events/timer/hrtimer_start $TRACEFS/events/timer/hrtimer_cancel $TRACEFS/events/timer/hrtimer_expire_* $TRACEFS/events/irq_vectors/*_entry $TRACEFS/events/irq_vectors/*_exit; do
    [ -e "$d/enable" ] && echo 1 > "$d/enable"
  done
  if [ "$USED_ACCEL" = kvm ] && [ -d "$TRACEFS/events/kvm" ]; then echo 1 > "$TRACEFS/events/kvm/enable"; fi
  echo > $TRACEFS/trace
  echo 1 > $TRACEFS/tracing_on
  exec 6>$TRACEFS/trace_marker
}
host_tracefs_restore() {
  [ -n "$SAVED_TRACEFS" ] || return 0
  exec 6>&-
  echo 0 > $TRACEFS/tracing_on
  echo > $TRACEFS/set_event
  local line
  while IFS= read -r line; do [ -n "$line" ] && echo "$line" >> $TRACEFS/set_event; done < "$SAVED_TRACEFS/set_event"
  cat "$SAVED_TRACEFS/trace_clock" > $TRACEFS/trace_clock
  cat "$SAVED_TRACEFS/record-tgid" > $TRACEFS/options/record-tgid
  cat "$SAVED_TRACEFS/current_tracer" > $TRACEFS/current_tracer
  echo > $TRACEFS/trace # our events are not left behind for the next user
  cat "$SAVED_TRACEFS/buffer_size_kb" > $TRACEFS/buffer_size_kb
  cat "$SAVED_TRACEFS/tracing_on" > $TRACEFS/tracing_on
  SAVED_TRACEFS=""
  exec 9>&-
}
host_trace_stop() { # $1 = output text file
  echo 0 > $TRACEFS/tracing_on
  exec 6>&-
  cat $TRACEFS/trace > "$1"
  for c in $TRACEFS/per_cpu/cpu*; do echo "== ${c##*/}"; cat "$c/stats"; done > "$(dirname "$1")/host-buffer-stats.txt"
  host_tracefs_restore
}
sync_rounds() { # $1 = tag; markers in both traces let the alignment code recompute the clock mapping
  local k
  for k in $(seq 1 "$SYNC_ROUNDS"); do
    echo "vcpu-replay-sync host-send tag=$1 seq=$k" >&6
    echo "S $1 $k" >&7
    read_reply A 30 || die "no sync reply (tag=$1 seq=$k)"
    echo "vcpu-replay-sync host-recv tag=$1 seq=$k" >&6
    [ "$REPLY_LINE" = "A $1 $k" ] || die "sync reply out of order: got \"$REPLY_LINE\", expected \"A $1 $k\""
    read -r -t 0.02 _ <&8 || true # a 20 ms pause without forking
  done
}
apply_policy() { # $1 = policy
  local i=0 tid
  for tid in "${VCPU_TIDS[@]}"; do
    case "$1" in
      vanilla) chrt -o -p 0 "$tid" ;;
      static) chrt -r -p 8 "$tid" ;;
      crosvm-rt) if [ $i = 0 ]; then chrt -r -p 6 "$tid"; else chrt -o -p 0 "$tid"; fi ;;
    esac
    i=$((i + 1))
  done
}
policy_params() {
  case "$1" in
    vanilla) echo '{"policy":"other","priority":0,"vcpus":['"$(seq -s, 0 $((VCPUS - 1)))"']}' ;;
    static) echo '{"policy":"rr","priority":8,"vcpus":['"$(seq -s, 0 $((VCPUS - 1)))"'],"command":"chrt -r -p 8 <vCPU tid>"}' ;;
    crosvm-rt) echo '{"policy":"rr","priority":6,"vcpus":[0],"command":"chrt -r -p 6 <vCPU 0 tid>; other vCPUs SCHED_OTHER"}' ;;
  esac
}

run_one() { # load policy interval probe
  local load=$1 policy=$2 interval=$3 probe=$4
  local name="$load-$policy-i$interval"
  [ "$probe" = rt ] && name+="-rt"
  # raw files are kept per output directory, so a smoke run never touches a pending matrix run
  local raw=$WORK/raw/$(echo "$OUT" | md5sum | cut -c1-8)/$name dir=$OUT/$name
  rm -rf "$raw"; mkdir -p "$raw"
  RUN_LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  log "run $name (${DURATION} s)"
  local ctargs="-q -D ${DURATION}s -i $interval -d $interval"
  [ "$probe" = rt ] && ctargs+=" -p 90 -m"
  apply_policy "$policy"
  # "tid SCHED_xx priority", as chrt reports it after the change
  for tid in "${VCPU_TIDS[@]}"; do echo "$tid $(chrt -p "$tid" | awk -F': ' '{printf "%s ", $2}')"; done > "$raw/vcpu-policies.txt"
  if [ "$load" = busy ]; then
    stress-ng --cpu "$(nproc)" --timeout $((DURATION + 120))s >"$raw/stress-ng.txt" 2>&1 &
    LOAD_PID=$!
    sleep 1
  fi
  host_trace_start
  ask "TRACE $GUEST_BUF_KB" TRACING 120
  sync_rounds pre
  # shellcheck disable=SC2086
  cyclictest $ctargs > "$raw/host-cyclictest.txt" 2>&1 &
  HOSTCT_PID=$!
  ask "RUN $ctargs" RAN $((DURATION * 20 + 120))
  local guest_rc=${REPLY_LINE#RAN }
  wait "$HOSTCT_PID" || die "host cyclictest failed: $(cat "$raw/host-cyclictest.txt")"
  HOSTCT_PID=""
  [ "$guest_rc" = 0 ] || log "guest cyclictest exit code $guest_rc"
  sync_rounds post
  host_trace_stop "$raw/host.trace.txt"
  if [ -n "$LOAD_PID" ]; then kill "$LOAD_PID" 2>/dev/null || true; wait "$LOAD_PID" 2>/dev/null || true; LOAD_PID=""; fi
  apply_policy vanilla
  ask SAVE SAVED 1200
  tar -xf "$LAB_RUN/disk.img" -C "$raw"
  [ -s "$raw/guest.trace.txt.gz" ] || die "guest trace missing from the output disk"
  gzip -dc "$raw/guest.trace.txt.gz" > "$raw/guest.trace.txt"
  {
    echo "LOAD=$load"; echo "POLICY=$policy"; echo "POLICY_PARAMS=$(policy_params "$policy")"
    echo "INTERVAL_US=$interval"; echo "PROBE=$probe"; echo "DURATION_S=$DURATION"; echo "CYCLICTEST_ARGS=$ctargs"
    echo "ACCEL=$USED_ACCEL"; echo "VCPUS=$VCPUS"; echo "GUEST_MEM_MB=$MEM"; echo "GUEST_READY=$GUEST_READY"
    echo "HOST_KERNEL=$(uname -r)"; echo "HOST_CPU_MODEL=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)"
    echo "HOST_CPUS=$(nproc)"; echo "HOST_TSC_KHZ=$HOST_TSC_KHZ"
    echo "QEMU_VERSION=$(qemu-system-x86_64 --version | head -1)"
    echo "TRACE_CMD_VERSION=$(dpkg-query -W -f '${Version}' trace-cmd 2>/dev/null || echo none)"
    echo "RT_TESTS_VERSION=$(dpkg-query -W -f '${Version}' rt-tests 2>/dev/null || echo unknown)"
    echo "STRESS_NG_VERSION=$(dpkg-query -W -f '${Version}' stress-ng 2>/dev/null || echo unknown)"
    echo "HOST_LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)"; echo "HOST_LOADAVG_BEFORE=$RUN_LOADAVG_BEFORE"
    echo "HOST_NOTE=$HOST_NOTE"
    echo "CAPTURED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    cat "$WORK/guest/versions.env"
  } > "$raw/run.env"
  echo "$VCPU_MAP" > "$raw/vcpus.txt"
  (cd "$REPO" && npx tsx traces/capture/make-scenario.ts "$raw" "$name")
  PENDING+=("$raw|$dir")
  log "captured $name (traces are compressed after the last run, so zstd does not load the next capture)"
}
# zstd -19 of a 10 s host trace takes minutes on the shared 2-core host; done once the VM is stopped.
compress_pending() {
  local item raw dir
  for item in "${PENDING[@]}"; do
    raw=${item%%|*}; dir=${item#*|}
    rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
    zstd -q -"$ZSTD_LEVEL" -T2 -f "$raw/host.trace.txt" -o "$dir.tmp/host.trace.txt.zst"
    zstd -q -"$ZSTD_LEVEL" -T2 -f "$raw/guest.trace.txt" -o "$dir.tmp/guest0.trace.txt.zst"
    cp "$raw/scenario.json" "$dir.tmp/scenario.json"
    chmod 644 "$dir.tmp"/*
    # scenario.json appears together with its traces
    rm -rf "$dir"; mv "$dir.tmp" "$dir"
    [ "$KEEP_RAW" = 1 ] || rm -rf "$raw"
    log "wrote $dir ($(du -sh "$dir" | cut -f1))"
  done
  PENDING=()
}

for load in $(echo "$LOADS" | tr , ' '); do
  for policy in $(echo "$POLICIES" | tr , ' '); do
    for interval in $(echo "$INTERVALS" | tr , ' '); do
      for probe in $(echo "$PROBES" | tr , ' '); do
        run_one "$load" "$policy" "$interval" "$probe"
      done
    done
  done
done
{ echo QUIT >&7; } 2>/dev/null || true
sleep 2
kill "$QEMU_PID" 2>/dev/null || true
wait "$QEMU_PID" 2>/dev/null || true
QEMU_PID=""
VCPU_TIDS=()
compress_pending
log "done: $OUT"
