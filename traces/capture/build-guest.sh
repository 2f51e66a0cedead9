#!/bin/bash
# Build the lab guest: a Debian cloud kernel (unpacked with dpkg -x, never installed) and an
# initramfs with busybox-static, cyclictest + its shared libraries, the virtio modules the guest
# needs for its output disk, and guest-init.sh as /init.
#
# Usage: build-guest.sh [--work DIR] [--kernel-package NAME]
# Output: DIR/guest/vmlinuz, DIR/guest/initramfs.cpio, DIR/guest/versions.env
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${LAB_WORK:-$HERE/work}
KPKG=""
while [ $# -gt 0 ]; do
  case "$1" in
    --work) WORK=$2; shift 2 ;;
    --kernel-package) KPKG=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "build-guest.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in apt-get dpkg busybox cyclictest cpio gzip ldd; do
  command -v "$tool" >/dev/null || { echo "build-guest.sh: $tool not found (Debian packages: busybox-static rt-tests cpio)" >&2; exit 1; }
done
OUT=$WORK/guest
mkdir -p "$OUT"
if [ -z "$KPKG" ]; then
  # The cloud flavour boots fastest (few drivers); the metapackage names the current ABI.
  KPKG=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
fi
[ -n "$KPKG" ] || { echo "build-guest.sh: cannot resolve a linux-image-*-cloud-amd64 package (apt-get update?)" >&2; exit 1; }
KVER=${KPKG#linux-image-}
if [ ! -f "$OUT/vmlinuz" ] || [ "$(cat "$OUT/kernel-package" 2>/dev/null)" != "$KPKG" ]; then
  rm -rf "$OUT/deb" "$OUT/kernel"
  mkdir -p "$OUT/deb"
  (cd "$OUT/deb" && apt-get download "$KPKG" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  DEB=$(ls "$OUT"/deb/"$KPKG"_*.deb | head -1)
  dpkg -x "$DEB" "$OUT/kernel"
  cp "$OUT/kernel/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
  echo "$KPKG" > "$OUT/kernel-package"
  dpkg-deb -f "$DEB" Version > "$OUT/kernel-package-version"
fi

ROOT=$OUT/initramfs
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/modules,out}
cp /bin/busybox "$ROOT/bin/busybox"
for applet in $("$ROOT/bin/busybox" --list); do
  [ -e "$ROOT/bin/$applet" ] || ln -s busybox "$ROOT/bin/$applet"
done
# cyclictest and the libraries ldd names, at the same paths.
cp /usr/bin/cyclictest "$ROOT/usr/bin/cyclictest"
for lib in $(ldd /usr/bin/cyclictest | grep -o '/[^ ]*'); do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done
# Loaded by /init in this order (virtio_blk needs the virtio core and the PCI transport).
MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk"
for m in $MODS; do
  f=$(find "$OUT/kernel/lib/modules/$KVER" -name "$m.ko*" | head -1)
  [ -n "$f" ] || { echo "build-guest.sh: module $m not in $KPKG" >&2; exit 1; }
  case "$f" in
    *.ko.xz) xz -dc "$f" > "$ROOT/lib/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" > "$ROOT/lib/modules/$m.ko" ;;
    *) cp "$f" "$ROOT/lib/modules/$m.ko" ;;
  esac
done
echo "$MODS" > "$ROOT/lib/modules/load-order"
cp "$HERE/guest-init.sh" "$ROOT/init"
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc --quiet > "$OUT/initramfs.cpio")

{
  echo "GUEST_KERNEL_PACKAGE=$KPKG"
  echo "GUEST_KERNEL_PACKAGE_VERSION=$(cat "$OUT/kernel-package-version")"
  echo "GUEST_KERNEL_RELEASE=$KVER"
  echo "GUEST_BUSYBOX_VERSION=$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || echo unknown)"
} > "$OUT/versions.env"
echo "build-guest.sh: $OUT/vmlinuz ($KPKG) and $OUT/initramfs.cpio ($(du -h "$OUT/initramfs.cpio" | cut -f1))"
