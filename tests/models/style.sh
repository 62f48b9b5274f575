#!/usr/bin/env bash
# The house style (STYLE.md) where a tool can check it, on every C file of
# the repository: indentation by tabs (KNF: a continuation line adds four
# spaces, a label one), no trailing blanks, no space before a tab, lines of
# at most 100 columns outside "clang-format off" tables (80 is the aim);
# and the .clang-format at the root, for editors and new code, is one that
# clang-format reads.  clang-format 14 cannot write KNF's continuation
# indent, so it is not run over the tree.
. "$(dirname "$0")/../lib.sh"

cd "$SECAGENT_SRCDIR" || { not_ok "no source tree"; finish; }
if command -v git >/dev/null && [ -d .git ]; then
	files=$(git ls-files '*.c' '*.h')
else
	files=$(find src agent tests bench -name '*.[ch]' | sort)
fi
[ -n "$files" ] || { not_ok "no C files found"; finish; }

# file:line of every offence, per rule
bad_indent=$(awk '
	/^\t*(    )?[^ \t]/ { next }		# tabs, then a continuation
	/^\t* \*( |\/|$)/ { next }		# a comment block
	/^ [a-z_]+:$/ { next }			# a label
	/^$/ { next }
	{ print FILENAME ":" FNR }' $files | head -5)
trailing=$(grep -nE '[[:blank:]]+$' $files | cut -d: -f1,2 | head -5)
space_tab=$(grep -nP ' \t' $files | cut -d: -f1,2 | head -5)
long=$(for f in $files; do expand -t8 "$f" | awk -v f="$f" '
	/clang-format off/ { off = 1 } /clang-format on/ { off = 0 }
	!off && length > 100 { print f ":" NR }'; done | head -5)

expect "indentation by tabs (KNF continuations and labels allowed)" "" "$bad_indent"
expect "no trailing blanks" "" "$trailing"
expect "no space before a tab" "" "$space_tab"
expect "no line over 100 columns outside clang-format off tables" "" "$long"
if command -v clang-format >/dev/null; then
	out=$(clang-format --style=file --dump-config src/sa_store.c 2>&1 >/dev/null)
	expect ".clang-format is read by clang-format" "" "$out"
else
	skip ".clang-format: clang-format is not installed"
fi
finish
