# shellcheck shell=bash disable=SC2154  # run_dir, state_dir, detach: set by scripts/run.sh
# Sourced by scripts/run.sh: the stack's background processes, tracked by pid files so that
# `scripts/run.sh stop` in another shell can stop them. Expects run_dir, state_dir and detach
# (true/false), and the functions log and die, to be set by the script that sources it.
#
# Each process has <run_dir>/NAME.pid holding "PID MARKER"; MARKER is part of its command line,
# so a pid the system has since given to another program is never signalled.
stop_order=(push-terminal agent zk-sim relay receiver broker)
# running NAME: true if NAME's pid file names a live process of ours; sets pid.
running() {
  local file=$run_dir/$1.pid marker stat
  pid=
  [ -f "$file" ] || return 1
  read -r pid marker <"$file" || true
  [ -n "$pid" ] && [ -n "$marker" ] || return 1
  stat=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [[ $stat != Z* ]] || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$marker"
}
# stop_one NAME: SIGTERM, up to 10 s to exit, then SIGKILL.
stop_one() {
  local name=$1
  if running "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      running "$name" || break
      sleep 0.1
    done
    if running "$name"; then
      log "$name (pid $pid) did not stop within 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    stopped+=("$name")
  fi
  rm -f "$run_dir/$name.pid"
}
# stop_stack: stops every process of the stack, in stop_order.
stop_stack() {
  stopped=()
  local name
  touch "$run_dir/stopping" 2>/dev/null || true  # tells a foreground run.sh this was asked for
  for name in "${stop_order[@]}"; do
    stop_one "$name"
  done
  rm -f "$run_dir/stopping"
}
# stop_and_report: `scripts/run.sh stop`.
stop_and_report() {
  stop_stack
  if [ ${#stopped[@]} -eq 0 ]; then
    log "nothing from $state_dir was running"
  else
    log "stopped ${stopped[*]} ($state_dir)"
  fi
}
# refuse_second_start: dies if a process of the stack still runs; clears stale pid files.
refuse_second_start() {
  local name
  for name in "${stop_order[@]}"; do
    if running "$name"; then
      die "the stack in $state_dir is already running ($name: pid $pid); scripts/run.sh stop stops it"
    fi
    rm -f "$run_dir/$name.pid"
  done
}
# stop_started_on_exit: in the foreground, everything stops when the script ends (Ctrl-C, an
# error, a part that exits); detached, only a failed start stops what it started (the script
# sets ready=true once every part is up).
ready=false
stop_started_on_exit() {
  trap on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
# shellcheck disable=SC2317  # invoked by the trap
on_exit() {
  local status=$?
  trap - EXIT INT TERM
  if [ ${#started[@]} -gt 0 ] && { ! $detach || ! $ready; }; then
    log "stopping"
    stop_stack
  fi
  exit "$status"
}
# start NAME MARKER OUTPUT COMMAND...: starts COMMAND in the background, its stdout and stderr
# appended to OUTPUT ("-": left on this terminal), and records its pid. Detached processes get a
# session of their own, so closing the terminal or a later Ctrl-C there does not reach them.
started=()
start() {
  local name=$1 marker=$2 output=$3
  shift 3
  local launcher=()
  if $detach; then
    launcher=(setsid)
  fi
  if [ "$output" = - ]; then
    "${launcher[@]}" "$@" </dev/null &
  else
    "${launcher[@]}" "$@" </dev/null >>"$output" 2>&1 &
  fi
  printf '%s %s\n' "$!" "$marker" >"$run_dir/$name.pid"
  started+=("$name")
}
# wait_for MESSAGE COMMAND...: retries COMMAND for up to 10 s, then dies with MESSAGE; dies at
# once if the process started last has exited.
wait_for() {
  local message=$1
  shift
  for _ in $(seq 1 100); do
    "$@" >/dev/null 2>&1 && return 0
    if [ ${#started[@]} -gt 0 ] && ! running "${started[-1]}"; then
      break
    fi
    sleep 0.1
  done
  die "$message"
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# port_free PORT VARIABLE: dies if something already listens on PORT.
port_free() {
  if port_open "$1"; then
    die "port $1 is taken; set $2 to a free port"
  fi
}
# supervise: in the foreground, waits until Ctrl-C or until a part exits on its own (then
# everything stops), and exits.
supervise() {
  local name child_pids=()
  for name in "${started[@]}"; do
    running "$name" && child_pids+=("$pid")
  done
  set +e
  wait -n "${child_pids[@]}"
  sleep 0.2
  if [ -f "$run_dir/stopping" ]; then
    started=()  # `scripts/run.sh stop` is stopping them; wait for it to finish
    for _ in $(seq 1 600); do
      [ -f "$run_dir/stopping" ] || break
      sleep 0.1
    done
    log "stopped by scripts/run.sh stop"
    exit 0
  fi
  for name in "${started[@]}"; do
    if ! running "$name"; then
      log "$name exited on its own; its log is in $state_dir"
    fi
  done
  exit 1
}
