#!/bin/sh
# Builds the fake NVIDIA libraries that envlock's tests load instead of a real driver.
#
# For every folder Tests/Fakes/scenarios/NAME/ it makes Tests/Fakes/lib/NAME/ holding
# fake-gpus.conf and the libraries its `libraries=` line names:
#   nvml        libnvidia-ml.so.1 with the _v2 symbols
#   nvml-no-v2  libnvidia-ml.so.1 with only the unversioned symbols
#   cuda        libcuda.so.1
# Point LD_LIBRARY_PATH (or a FolderLibraryLoader) at Tests/Fakes/lib/NAME to use one.
#
# Does nothing when the output is newer than every source. Safe to run concurrently: the
# tests run it once per test process, and swift test may start several.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
fakes="$root/Tests/Fakes"
out="$fakes/lib"
stamp="$out/.built"
mkdir -p "$out"

if command -v flock >/dev/null 2>&1; then
    exec 9>"$out/.lock"
    flock 9
fi

stale=no
if [ ! -f "$stamp" ]; then
    stale=yes
else
    for source in "$fakes"/*.c "$fakes"/*.h "$fakes"/scenarios/*/fake-gpus.conf "$0"; do
        if [ "$source" -nt "$stamp" ]; then stale=yes; fi
    done
fi
[ "$stale" = yes ] || exit 0

compiler=${CC:-}
if [ -z "$compiler" ]; then
    for candidate in cc clang gcc; do
        if command -v "$candidate" >/dev/null 2>&1; then compiler=$candidate; break; fi
    done
fi
[ -n "$compiler" ] || { echo "build-fakes.sh: no C compiler (cc, clang or gcc) on PATH; install one or set CC" >&2; exit 1; }

work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT

# No -soname on purpose: a fake loaded by path must never satisfy a later dlopen of the bare
# soname in the same test process.
flags="-shared -fPIC -O1 -Wall -Wextra -I$fakes"
$compiler $flags -o "$work/nvml.so" "$fakes/fake_nvml.c"
$compiler $flags -DFAKE_NO_V2 -o "$work/nvml-no-v2.so" "$fakes/fake_nvml.c"
$compiler $flags -o "$work/cuda.so" "$fakes/fake_cuda.c"

for scenario in "$fakes"/scenarios/*/; do
    name=$(basename "$scenario")
    target="$work/scenarios/$name"
    mkdir -p "$target"
    cp "$scenario/fake-gpus.conf" "$target/"
    libraries=$(sed -n 's/^libraries=//p' "$scenario/fake-gpus.conf" | tr ',' ' ')
    for library in $libraries; do
        case "$library" in
            nvml|nvml-no-v2) cp "$work/$library.so" "$target/libnvidia-ml.so.1" ;;
            cuda) cp "$work/cuda.so" "$target/libcuda.so.1" ;;
            *) echo "build-fakes.sh: $scenario/fake-gpus.conf names unknown library '$library'" >&2; exit 1 ;;
        esac
    done
done

# Replace each scenario folder whole, so a reader never sees half of one.
for built in "$work"/scenarios/*/; do
    name=$(basename "$built")
    rm -rf "$out/$name"
    mv "$built" "$out/$name"
done
touch "$stamp"
