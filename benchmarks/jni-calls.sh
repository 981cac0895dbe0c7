#!/usr/bin/env bash
# Native (JNI) calls per training step of an experiment: runs `flowlab bench` twice under a counting
# agent (benchmarks/jnicount) and prints the difference per step, by method.
#   benchmarks/jni-calls.sh [experiments/quickstart.yaml] [training.batch_size=8 ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config="${1:-experiments/quickstart.yaml}"; shift || true
asm="$(ls "$HOME"/.m2/repository/org/ow2/asm/asm/9.*/asm-9.*.jar 2>/dev/null | grep -v sources | tail -1)"
[[ -n "$asm" ]] || { echo "needs org.ow2.asm:asm 9.x in ~/.m2 (mvn dependency:get -Dartifact=org.ow2.asm:asm:9.7.1)" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
javac -cp "$asm" -d "$work/classes" "$root/benchmarks/jnicount/JniCount.java"
printf 'Premain-Class: JniCount\nCan-Set-Native-Method-Prefix: true\nCan-Retransform-Classes: true\nClass-Path: %s\n' "$asm" > "$work/manifest"
jar cfm "$work/jnicount.jar" "$work/manifest" -C "$work/classes" .
for steps in 20 120; do
  OMP_NUM_THREADS=1 FLOWLAB_JAVA_OPTS="-Xmx4g -javaagent:$work/jnicount.jar -Djnicount.dump=$work/calls-$steps.txt" \
    "$root/flowlab" bench "$config" training.device=cpu "$@" --warmup 10 --steps "$steps" --repeats 1 >/dev/null 2>&1
done
python3 - "$work/calls-20.txt" "$work/calls-120.txt" <<'PY'
import sys
a = dict(l.split() for l in open(sys.argv[1]))
b = dict(l.split() for l in open(sys.argv[2]))
per = sorted(((int(b[k]) - int(a.get(k, 0))) / 100, k) for k in b)[::-1]
print(f"native calls per training step: {sum(x for x, _ in per):.0f}")
for x, k in per:
    if x >= 1:
        print(f"  {x:7.1f}  {k}")
PY
