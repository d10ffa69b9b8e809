#!/usr/bin/env bash
# Build the Debian systemd base image used by every molecule scenario, without a registry:
# debootstrap a minimal root file system and `docker import` it. The image is cached: a
# second run finds it and does nothing.
#
#   DEBIAN_SUITE    bookworm (default) or trixie
#   MOLECULE_IMAGE  image name; default local/debian-systemd:$DEBIAN_SUITE. If it is not a
#                   local/ image and is missing, it is pulled instead (machines with a registry).
#   DEBIAN_MIRROR   optional; default: the first Debian URI in this machine's apt sources,
#                   else debootstrap's own default.
set -euo pipefail

suite="${DEBIAN_SUITE:-bookworm}"
image="${MOLECULE_IMAGE:-local/debian-systemd:${suite}}"
log() { printf 'build-image: %s\n' "$*" >&2; }

case "$suite" in
  bookworm|trixie) ;;
  *) log "DEBIAN_SUITE must be bookworm or trixie, not '$suite'"; exit 2 ;;
esac

if docker image inspect "$image" >/dev/null 2>&1; then
  log "$image is present; reusing it"
  exit 0
fi

if [[ "$image" != local/* ]]; then
  log "pulling $image"
  exec docker pull "$image"
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

mirror="${DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -v security | sed -E 's/^URIs:[[:space:]]*//; s/^deb (\[[^]]*\] )?//' | awk '{print $1}' | head -n 1 || true)
fi

rootfs=$(mktemp -d /var/tmp/prodready-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
packages=systemd,systemd-sysv,python3,python3-apt,sudo,iproute2,procps,ca-certificates
log "debootstrap $suite into $rootfs (mirror: ${mirror:-debootstrap default})"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" ${mirror:+"$mirror"} >/var/tmp/debootstrap-"$suite".log 2>&1 || {
  log "debootstrap failed; last lines:"; tail -n 20 /var/tmp/debootstrap-"$suite".log >&2; exit 1; }

# Keep the image small and quiet under systemd in a container.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# Units that make no sense in a container and only slow the boot down.
for unit in systemd-firstboot.service systemd-udevd.service systemd-udev-trigger.service \
            systemd-modules-load.service sys-kernel-config.mount getty.target console-getty.service; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
: >"$rootfs/etc/machine-id"

log "importing as $image"
tar -C "$rootfs" -c . | docker import -c 'CMD ["/lib/systemd/systemd"]' -c 'ENV container=docker' - "$image" >/dev/null
log "built $image"
