#!/usr/bin/env bash
# Installs keydash under PREFIX (default ~/.local): the release binary with
# the Swift runtime linked in (-static-stdlib), so it runs on a host with
# only glibc and ncursesw; its man page; bash, zsh and fish completions.
# The themes are built into the binary.
#   scripts/install.sh              # ~/.local/bin/keydash
#   scripts/install.sh /usr/local   # as root
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-$HOME/.local}
build=${KEYDASH_INSTALL_BUILD:-.build-install}

echo "building keydash (release, static Swift runtime) in $build ..."
scripts/build-release.sh
swift build -c release --scratch-path "$build" --product generate-manual
bin="$build/release/keydash"

man1="$prefix/share/man/man1"
bash_dir="$prefix/share/bash-completion/completions"
zsh_dir="$prefix/share/zsh/site-functions"
fish_dir="$prefix/share/fish/vendor_completions.d"
mkdir -p "$prefix/bin" "$man1" "$bash_dir" "$zsh_dir" "$fish_dir"

install -m 755 "$bin" "$prefix/bin/keydash"
# Debug symbols are most of the file; a copied binary needs none of them.
if command -v strip >/dev/null; then strip "$prefix/bin/keydash"; fi
"$build/release/generate-manual" "$bin" --output-directory "$man1"
"$bin" --generate-completion-script bash > "$bash_dir/keydash"
"$bin" --generate-completion-script zsh > "$zsh_dir/_keydash"
"$bin" --generate-completion-script fish > "$fish_dir/keydash.fish"

echo "installed:"
echo "  $prefix/bin/keydash"
echo "  $man1/keydash.1"
echo "  $bash_dir/keydash, $zsh_dir/_keydash, $fish_dir/keydash.fish"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "add $prefix/bin to PATH to run keydash" ;; esac
