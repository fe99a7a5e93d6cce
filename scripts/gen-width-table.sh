#!/bin/sh
# Regenerates Sources/WhyLabsAPI/WidthTable.swift from the C library's wcwidth.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cc -O2 -o "$tmp/width-table" scripts/width-table.c
"$tmp/width-table" > Sources/WhyLabsAPI/WidthTable.swift
rm -rf "$tmp"
