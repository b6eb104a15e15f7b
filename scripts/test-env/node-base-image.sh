#!/usr/bin/env bash
# Builds the local Node.js base image (default chimera-node-base:local) with `docker import`: no registry can be
# reached here, so the image is a root filesystem holding this machine's `node` binary and the shared libraries it
# links, at the same paths as on the host. Idempotent: does nothing when the image exists (set REBUILD=1 to force).
set -euo pipefail
IMAGE="${1:-chimera-node-base:local}"
# The label versions the recipe: an image made by an older recipe is rebuilt.
RECIPE=2
if [ -z "${REBUILD:-}" ] && [ "$(docker image inspect -f '{{index .Config.Labels "chimera.base-recipe"}}' "$IMAGE" 2>/dev/null)" = "$RECIPE" ]; then
  exit 0
fi
NODE="$(readlink -f "$(command -v node)")"
ROOT="$(mktemp -d /tmp/chimera-node-rootfs.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/usr/local/bin" "$ROOT/tmp" "$ROOT/etc" "$ROOT/app"
chmod 1777 "$ROOT/tmp"
cp "$NODE" "$ROOT/usr/local/bin/node"
# Every library node links, plus the loader, at its host path (better-sqlite3's addon needs the same libstdc++),
# plus the few that native addons (rolldown, lightningcss) link and node itself does not.
EXTRA=""
for name in librt.so.1 libdl.so.2 libpthread.so.0 libgcc_s.so.1 libz.so.1; do
  path="$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64|x86_64|64bit/ { print $NF; exit }')"
  [ -n "$path" ] && EXTRA="$EXTRA $path"
done
for lib in $(ldd "$NODE" | grep -oE '/[^ ]+') $EXTRA; do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done
for f in /etc/ssl/certs/ca-certificates.crt /etc/nsswitch.conf; do
  [ -e "$f" ] && mkdir -p "$ROOT$(dirname "$f")" && cp -L "$f" "$ROOT$f"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOT/etc/passwd"
echo 'node:x:1000:1000::/app:/bin/sh' >>"$ROOT/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$ROOT/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$ROOT/etc/hosts"
tar -C "$ROOT" -c . | docker import \
  -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' -c 'WORKDIR /app' -c "LABEL chimera.base-recipe=$RECIPE" \
  -c 'CMD ["node"]' - "$IMAGE" >/dev/null
echo "built $IMAGE from $NODE ($(node --version))"
