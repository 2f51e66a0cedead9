#!/bin/sh
# /init of the lab guest (busybox ash). Sets up guest ftrace, then serves the host's line
# protocol on /dev/ttyS1 (the "ctl" serial port) until QUIT:
#   HELLO                 -> READY kernel=<release> cpus=<n> cyclictest=<version>
#   S <tag> <seq>         -> writes guest marker "vcpu-replay-sync guest tag=<tag> seq=<seq>", replies A <tag> <seq>
#   TRACE <buffer_kb>     -> clears the trace, sets the per-CPU buffer size, tracing on; replies TRACING
#   RUN <cyclictest args> -> runs cyclictest to completion (output kept for SAVE); replies RAN <exit code>
#   SAVE                  -> tracing off; writes a tar (trace text gz, cyclictest output, buffer stats) to /dev/vda; replies SAVED <bytes>
#   QUIT                  -> powers off
# Errors are replied as ERR <text> so the host never waits on a silent guest.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/shm /dev/pts
mount -t tmpfs shm /dev/shm
mount -t tmpfs tmp /tmp
mount -t tmpfs out /out
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
for m in $(cat /lib/modules/load-order); do insmod /lib/modules/$m.ko || echo "init: insmod $m failed"; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

T=/sys/kernel/tracing
echo 0 > $T/tracing_on
echo mono > $T/trace_clock
echo 1 > $T/options/record-tgid
echo 0 > $T/events/enable
for e in sched/sched_switch sched/sched_waking sched/sched_wakeup sched/sched_wakeup_new \
         sched/sched_migrate_task sched/sched_process_fork sched/sched_process_exit \
         irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit; do
  [ -e $T/events/$e/enable ] && echo 1 > $T/events/$e/enable
done
for d in $T/events/timer/hrtimer_start $T/events/timer/hrtimer_cancel $T/events/timer/hrtimer_expire_* $T/events/irq_vectors/*_entry $T/events/irq_vectors/*_exit; do
  [ -e $d/enable ] && echo 1 > $d/enable
done

CTL=/dev/ttyS1
stty -F $CTL raw -echo 115200
exec 3<>$CTL
exec 5>$T/trace_marker
echo "init: guest ready, serving $CTL"
reply() { echo "$*" >&3; }
while read -r cmd a1 a2 rest <&3; do
  case "$cmd" in
    S)
      echo "vcpu-replay-sync guest tag=$a1 seq=$a2" >&5
      reply "A $a1 $a2" ;;
    HELLO)
      reply "READY kernel=$(uname -r) cpus=$(nproc) cyclictest=$(cyclictest --help 2>&1 | head -1 | sed 's/.* V //')" ;;
    TRACE)
      echo 0 > $T/tracing_on
      echo "${a1:-16384}" > $T/buffer_size_kb || { reply "ERR buffer_size_kb ${a1}"; continue; }
      echo > $T/trace
      rm -f /out/*
      echo 1 > $T/tracing_on
      reply TRACING ;;
    RUN)
      # shellcheck disable=SC2086
      cyclictest $a1 $a2 $rest > /out/cyclictest.txt 2>&1
      reply "RAN $?" ;;
    SAVE)
      echo 0 > $T/tracing_on
      for c in $T/per_cpu/cpu*; do echo "== ${c##*/}"; cat $c/stats; done > /out/buffer-stats.txt
      cat $T/trace | gzip -1 > /out/guest.trace.txt.gz
      cat $T/buffer_size_kb > /out/buffer_size_kb
      (cd /out && tar -cf /dev/vda guest.trace.txt.gz cyclictest.txt buffer-stats.txt buffer_size_kb) && sync
      reply "SAVED $(cat /out/guest.trace.txt.gz | wc -c)" ;;
    QUIT)
      reply BYE
      sync
      poweroff -f ;;
    '') ;;
    *) reply "ERR unknown command $cmd" ;;
  esac
done
echo "init: control channel closed"
poweroff -f
