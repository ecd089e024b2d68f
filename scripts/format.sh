#!/usr/bin/env bash
# clang-format every C source of the project (STYLE.md rule 22); --check fails on a diff.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find src include test fuzz bench examples -name '*.[ch]')
[ ${#files[@]} -gt 0 ] || exit 0
if [ "${1:-}" = --check ]; then
	clang-format --dry-run --Werror "${files[@]}"
else
	clang-format -i "${files[@]}"
fi
