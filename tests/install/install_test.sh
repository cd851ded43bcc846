#!/usr/bin/env bash
# The harness installed like a tool (README, "Install"): `cmake --install` into a temporary
# prefix, the installed binary run from a folder with no lakefile above it (doctor finds the
# installed workspace template and core task set; the doctor's copy step gives the user a
# workspace found from anywhere; score runs with the REPL double), then the .deb that cpack
# makes: its file list, its control fields, and its binary run from an extracted root.
set -u  # no pipefail: `echo "$out" | grep -q` may close its input early
build=$1 repl=$2 version=$3
fail() { echo "FAIL: $*"; exit 1; }
for tool in cpack dpkg-deb dpkg-shlibdeps file; do
  command -v "$tool" >/dev/null ||
    fail "$tool is missing: scripts/setup installs it (Debian packages cmake, dpkg-dev, file)"
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
prefix=$dir/prefix
mkdir -p "$dir/elsewhere" "$dir/xdg"
# Nothing of the developer's may decide what the installed binary finds.
unset HARNESS_WORKSPACE
export XDG_DATA_HOME=$dir/xdg
started=$SECONDS

cmake --install "$build" --prefix "$prefix" >"$dir/install.log" 2>&1 ||
  { cat "$dir/install.log"; fail "cmake --install failed"; }
for f in bin/harness share/harness/workspace/lakefile.toml share/harness/workspace/lean-toolchain \
         share/harness/workspace/tasks/core/core_tasks.jsonl \
         share/harness/workspace/tasks/core/HarnessTasks.lean \
         share/harness/workspaces/mathlib/lakefile.toml share/doc/lean-harness/README.md \
         share/doc/lean-harness/docs/serve.md; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
[ -x "$prefix/bin/harness" ] || fail "bin/harness is not executable"
[ "$(ls "$prefix/bin")" = harness ] || fail "bin/ holds more than harness: $(ls "$prefix/bin")"
! grep -qE 'fake-repl|_tests|_bench' "$dir/install.log" ||
  fail "a test double, test or bench was installed: $(grep -E 'fake-repl|_tests|_bench' "$dir/install.log")"

# DESTDIR puts the same tree under a staging root.
DESTDIR=$dir/staged cmake --install "$build" --prefix /opt/h >/dev/null 2>&1 || fail "DESTDIR install"
[ -x "$dir/staged/opt/h/bin/harness" ] && [ -f "$dir/staged/opt/h/share/harness/workspace/lakefile.toml" ] ||
  fail "DESTDIR=$dir/staged --prefix /opt/h did not install under $dir/staged/opt/h"
# A damaged install is a problem doctor names.
rm "$dir/staged/opt/h/share/harness/workspaces/mathlib/lakefile.toml"
out=$(cd / && "$dir/staged/opt/h/bin/harness" doctor --sandbox none 2>&1)
echo "$out" | grep -qE "^installed data +MISSING +$dir/staged/opt/h/share/harness: missing workspaces/mathlib/lakefile.toml" ||
  fail "doctor does not name a missing installed file"

cd "$dir/elsewhere"
harness=$prefix/bin/harness
out=$("$harness" --help 2>&1) || fail "harness --help exits $?"
echo "$out" | grep -qE "^ +doctor +Say what this machine has" || fail "harness --help: $out"
out=$("$harness" doctor --help 2>&1) || fail "harness doctor --help exits $?"
echo "$out" | grep -q -- "--workspace DIR" || fail "harness doctor --help: $out"

# doctor, without a Lean toolchain or with one: the installed template is found, and its REPL is
# not built (read-only), so doctor exits 1 (README's exit statuses) saying how to get a copy.
out=$("$harness" doctor --sandbox none 2>&1)
status=$?
echo "$out"
[ "$status" = 1 ] || fail "doctor exits $status, not 1"
echo "$out" | grep -qE "^installed data +ok +$prefix/share/harness: .*workspace/tasks/core/core_tasks.jsonl" ||
  fail "doctor does not report the installed data"
echo "$out" | grep -qE "^workspace +ok +$prefix/share/harness/workspace \(the installed workspace template, read-only\)" ||
  fail "doctor does not find the installed workspace template"
echo "$out" | grep -qE "^lean-toolchain +ok +$(cat "$prefix/share/harness/workspace/lean-toolchain")" ||
  fail "doctor does not read the template's lean-toolchain"
user=$XDG_DATA_HOME/harness/workspace
echo "$out" | grep -qF "cp -r $prefix/share/harness/workspace $user && cd $user && lake build REPL/repl" ||
  fail "doctor does not say how to copy the template"

# The copy step doctor gives: the copy is then the workspace, from any folder.
mkdir -p "$(dirname "$user")" && cp -r "$prefix/share/harness/workspace" "$user" || fail "copy"
out=$("$harness" doctor --sandbox none 2>&1)
echo "$out" | grep -qE "^workspace +ok +$user \(your copy of the installed workspace\)" ||
  fail "doctor does not find the user's copy: $out"
rm -rf "$XDG_DATA_HOME/harness"

# score with the REPL double, its rows and store written here.
line() { printf '{"name": "%s", "formal_statement": "theorem %s : True := by\\n", "proof": "%s"}\n' "$1" "$1" "$2"; }
{ line good '  trivial\n'; line wrong '  trivial\n--! error unsolved goals\n'; line holey '  sorry\n'; } > in.jsonl
out=$("$harness" score in.jsonl --out out.jsonl --db h.db --repl "$repl" --sandbox none --no-progress 2>&1)
status=$?
[ "$status" = 0 ] || { echo "$out"; fail "score exits $status"; }
verdicts=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["verdict"] for l in open(sys.argv[1])))' out.jsonl)
[ "$verdicts" = "pass fail incomplete" ] || fail "score's verdicts: $verdicts"
[ "$(sqlite3 h.db "select count(*) from attempts")" = 3 ] || fail "the store holds no 3 attempts"
echo "installed: $((SECONDS - started)) s"

# The .deb.
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$dir/pkg" >"$dir/cpack.log" 2>&1 ||
  { cat "$dir/cpack.log"; fail "cpack failed"; }
deb=$(ls "$dir"/pkg/lean-harness_*.deb 2>/dev/null)
[ -n "$deb" ] || { cat "$dir/cpack.log"; fail "cpack made no lean-harness_*.deb"; }
echo "deb: $(basename "$deb") after $((SECONDS - started)) s"
files=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/harness ./usr/share/harness/workspace/lakefile.toml \
         ./usr/share/harness/workspace/lean-toolchain \
         ./usr/share/harness/workspace/tasks/core/core_tasks.jsonl \
         ./usr/share/harness/workspace/tasks/core/HarnessTasks.lean \
         ./usr/share/harness/workspaces/mathlib/lakefile.toml \
         ./usr/share/doc/lean-harness/README.md ./usr/share/doc/lean-harness/docs/sandbox.md; do
  echo "$files" | grep -qxF "$f" || fail "the .deb lacks $f"
done
[ "$(echo "$files" | grep -c '^./usr/bin/.')" = 1 ] || fail "the .deb's /usr/bin holds more than harness"
! echo "$files" | grep -E 'fake-repl|_tests|_bench|catch' ||
  fail "the .deb holds a test double, test or bench"
! echo "$files" | grep -vE '^\./((usr/?)|usr/(bin|share)(/.*)?)?$' || fail "the .deb installs outside /usr/bin and /usr/share"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = lean-harness ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), not $version"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture: $(field Architecture)"
for lib in libc6 libstdc++6 libsqlite3-0; do
  field Depends | grep -q "$lib" || fail "Depends lacks $lib: $(field Depends)"
done
field Recommends | grep -q bubblewrap || fail "Recommends lacks bubblewrap: $(field Recommends)"
field Maintainer | grep -q '<.*@.*>' || fail "Maintainer: $(field Maintainer)"
field Description | grep -q 'Lean 4' || fail "Description: $(field Description)"

# The .deb's binary, extracted to another root: a relocated prefix finds its own data.
dpkg-deb -x "$deb" "$dir/root" || fail "dpkg-deb -x"
out=$("$dir/root/usr/bin/harness" doctor --sandbox none 2>&1)
echo "$out" | grep -qE "^workspace +ok +$dir/root/usr/share/harness/workspace \(the installed workspace template" ||
  fail "the extracted binary does not find its own data: $out"
echo "ok after $((SECONDS - started)) s"
