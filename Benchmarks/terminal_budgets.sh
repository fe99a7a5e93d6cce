#!/usr/bin/env bash
# Launch-to-list time, idle cost and bytes per keypress of the dashboard in a
# real terminal (tmux), against `keydash serve` on loopback.
# Usage: Benchmarks/terminal_budgets.sh [path/to/keydash] [IDLE_SECONDS]
set -euo pipefail
bin=${1:-.build-release/release/keydash}
idle=${2:-60}
work=$(mktemp -d)
sock=kd-bench-$$
trap 'tmux -L $sock kill-server 2>/dev/null || true; kill $spid 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" serve --port 0 --org org-bench --seed-demo 1000 --admin-key-file "$work/admin.key" >"$work/serve.out" 2>&1 &
spid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.out" && break; sleep 0.05; done
endpoint=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/serve.out" | head -1)
export XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config

# 1. Launch to list painted (1k keys), polled every 5 ms.
start=$(date +%s%N)
tmux -L $sock -u new-session -d -s b -x 120 -y 40 \
  "env LANG=C.UTF-8 TERM=xterm-256color $bin --endpoint $endpoint --api-key-file $work/admin.key --refresh 30; sleep 600"
until tmux -L $sock capture-pane -p -t b | grep -q "updated"; do sleep 0.005; done
end=$(date +%s%N)
echo "launch to list painted (1k keys, 120x40): $(( (end - start) / 1000000 )) ms (includes tmux start)"

# 2. Idle: bytes written to the terminal and CPU time over $idle seconds.
pid=$(cat /proc/$(tmux -L $sock display-message -p -t b '#{pane_pid}')/task/*/children | awk '{print $1}')
sleep 2
tmux -L $sock pipe-pane -o -t b "cat >> $work/idle.bytes"
cpu0=$(awk '{print $14 + $15}' /proc/$pid/stat)
sleep "$idle"
cpu1=$(awk '{print $14 + $15}' /proc/$pid/stat)
tmux -L $sock pipe-pane -t b
bytes=$(stat -c %s "$work/idle.bytes" 2>/dev/null || echo 0)
ticks=$(getconf CLK_TCK)
echo "idle for ${idle}s (refresh every 30s, unchanged data): $bytes bytes to the terminal ($(awk "BEGIN{printf \"%.1f\", $bytes/$idle}") B/s), CPU $(awk "BEGIN{printf \"%.3f\", ($cpu1-$cpu0)/$ticks/$idle*100}") %"

# 3. Bytes per keypress while moving through the list, scrolling included.
: > "$work/keys.bytes"
tmux -L $sock pipe-pane -o -t b "cat >> $work/keys.bytes"
for _ in $(seq 100); do tmux -L $sock send-keys -t b j; sleep 0.02; done
sleep 0.5
tmux -L $sock pipe-pane -t b
echo "moving down 100 rows (scrolling past the screen): $(( $(stat -c %s "$work/keys.bytes") / 100 )) bytes per keypress"
