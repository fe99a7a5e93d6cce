#!/usr/bin/env bash
# Checks an install made by scripts/install.sh PREFIX as a user on another
# host meets it, building nothing: no Swift runtime library linked
# dynamically; the man page and completions in place; and, from an empty
# directory with an empty HOME, --help, --version and every shipped theme
# (the dashboard painted in tmux with each).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:?usage: scripts/check-install.sh PREFIX}
bin="$prefix/bin/keydash"
fail() { echo "check-install: $*" >&2; exit 1; }

[ -x "$bin" ] || fail "no executable $bin"
if ldd "$bin" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime'; then
  fail "$bin loads the Swift runtime from the system"
fi
for f in share/man/man1/keydash.1 share/bash-completion/completions/keydash \
         share/zsh/site-functions/_keydash share/fish/vendor_completions.d/keydash.fish; do
  [ -s "$prefix/$f" ] || fail "missing or empty $prefix/$f"
done
grep -q 'rotations' "$prefix/share/man/man1/keydash.1" || fail "the man page lacks the subcommands"
grep -q 'rotate' "$prefix/share/bash-completion/completions/keydash" || fail "the bash completion lacks the subcommands"

work=$(mktemp -d)
sock="kd-install-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/cwd"
cd "$work/cwd"
run() { env -i PATH=/usr/bin:/bin HOME="$work/home" TERM=xterm-256color LANG=C.UTF-8 "$@"; }

run "$bin" --version | grep -Eq '^[0-9]+\.[0-9]+' || fail "--version printed no version"
env -i PATH=/usr/bin:/bin HOME= "$bin" --version | grep -Eq '^[0-9]+\.[0-9]+' || fail "--version failed with HOME set to nothing"
env -i PATH=/usr/bin:/bin "$bin" --help | grep -q 'USAGE: keydash' || fail "--help failed without HOME"
run "$bin" --help | grep -q 'USAGE: keydash' || fail "--help printed no usage"
run "$bin" rotate --help | grep -q 'USAGE: keydash rotate' || fail "rotate --help printed no usage"
if run "$bin" --demo --theme no-such-theme </dev/null >/dev/null 2>"$work/err"; then fail "an unknown theme was accepted"; fi

themes=$(cd "$repo/themes" && ls *.toml | sed 's/\.toml$//')
grep -q "available: default, light, solarized-dark, high-contrast, mono" "$work/err" || fail "not every theme is built in: $(cat "$work/err")"
for theme in $themes; do
  tmux -L "$sock" kill-server 2>/dev/null || true
  sock="kd-install-$$-$theme"
  tmux -L "$sock" new-session -d -s kd -x 100 -y 30 \
    "cd '$work/cwd' && env -i PATH=/usr/bin:/bin HOME='$work/home' TERM=xterm-256color LANG=C.UTF-8 '$bin' --demo --theme '$theme'; echo EXIT:\$?; sleep 30"
  painted=""
  for _ in $(seq 1 100); do
    if tmux -L "$sock" capture-pane -p -t kd | grep -q 'keydash-admin'; then painted=yes; break; fi
    sleep 0.1
  done
  [ -n "$painted" ] || fail "--theme $theme: the dashboard was not painted: $(tmux -L "$sock" capture-pane -p -t kd | head -5)"
  tmux -L "$sock" send-keys -t kd q
  for _ in $(seq 1 50); do
    if tmux -L "$sock" capture-pane -p -t kd | grep -q 'EXIT:0'; then continue 2; fi
    sleep 0.1
  done
  fail "--theme $theme: keydash did not quit cleanly: $(tmux -L "$sock" capture-pane -p -t kd | tail -3)"
done
echo "check-install: $bin is self-contained; --help, --version and the themes ($(echo $themes | tr '\n' ' ')) work from an empty HOME"
