#!/usr/bin/env bash
# Build one lab guest disk: Debian with a kernel, kdump-tools and a real GRUB that
# reads its own config, so a crashkernel= change takes effect after a reboot.
#
# Usage: recipe.sh SUITE OUTPUT.qcow2 AUTHORIZED_KEY_FILE
#
# No loop devices and no mounts: mmdebstrap fills a directory, mkfs.ext4 copies it
# into the partition of a raw file (-d with -E offset), GRUB's boot.img and core.img
# are written with dd, and qemu-img turns the raw file into qcow2.
# Environment: KDUMP_LAB_MIRROR (Debian mirror URI; mmdebstrap's default if empty),
# KDUMP_LAB_MMDEBSTRAP_MODE (default "root"), KDUMP_LAB_DISK_GB (default 6).
set -euo pipefail

suite=${1:?suite (bookworm or trixie)}
output=${2:?output qcow2 path}
authorized_key=${3:?public key file}
here=$(cd "$(dirname "$0")" && pwd)
disk_gb=${KDUMP_LAB_DISK_GB:-6}
mode=${KDUMP_LAB_MMDEBSTRAP_MODE:-root}

case "$suite" in
  bookworm | trixie) ;;
  *) echo "recipe.sh: unsupported suite '$suite' (bookworm or trixie)" >&2; exit 2 ;;
esac

work=$(mktemp -d "${output%/*}/build.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

rootfs=$work/rootfs
raw=$work/disk.raw
root_uuid=$(cat /proc/sys/kernel/random/uuid)
mirrors=()
if [[ -n ${KDUMP_LAB_MIRROR:-} ]]; then
  mirrors=("$KDUMP_LAB_MIRROR")
fi

base_packages=linux-image-amd64,initramfs-tools,zstd,systemd-sysv,udev,dbus,kmod
base_packages+=,openssh-server,python3,python3-apt,sudo,grub-pc,e2fsprogs,iproute2
base_packages+=,netbase,procps,file,ca-certificates

# Stage order matters (see README "Image recipe"): the kernel first; kdump-tools in a
# later step (its kernel hook fails when it runs in the same step as the kernel);
# the first grub.cfg only after kdump-tools (its postinst runs update-grub, which
# cannot probe devices in a chroot). In the hooks "$1" is the chroot directory,
# expanded by mmdebstrap's shell, not this one.
# shellcheck disable=SC2016
mmdebstrap \
  --mode="$mode" \
  --variant=apt \
  --hook-dir=/usr/share/mmdebstrap/hooks/eatmydata \
  --include="$base_packages" \
  --customize-hook="upload '$here/customize.sh' /root/customize.sh" \
  --customize-hook="upload '$authorized_key' /root/authorized_key" \
  --customize-hook="chroot \"\$1\" sh /root/customize.sh base $root_uuid" \
  --customize-hook='chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends kdump-tools kexec-tools makedumpfile' \
  --customize-hook="chroot \"\$1\" sh /root/customize.sh kdump $root_uuid" \
  --customize-hook='rm -f "$1/root/customize.sh" "$1/root/authorized_key"' \
  "$suite" "$rootfs" "${mirrors[@]}"

# GRUB's first stage comes from the guest's own grub-pc, built by customize.sh.
cp "$rootfs/usr/lib/grub/i386-pc/boot.img" "$work/boot.img"
cp "$rootfs/boot/grub/i386-pc/core.img" "$work/core.img"

truncate -s "${disk_gb}G" "$raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk --quiet "$raw"
part_kib=$(( disk_gb * 1024 * 1024 - 1024 ))
mkfs.ext4 -q -F -U "$root_uuid" -L lab-root -E offset=1048576 -d "$rootfs" "$raw" "${part_kib}k"
core_sectors=$(( ($(stat -c %s "$work/core.img") + 511) / 512 ))
if (( core_sectors > 2047 )); then
  echo "recipe.sh: core.img needs $core_sectors sectors, more than the 2047 before the partition" >&2
  exit 1
fi
dd if="$work/boot.img" of="$raw" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$raw" bs=512 seek=1 conv=notrunc status=none
qemu-img convert -O qcow2 "$raw" "$output.partial"
mv "$output.partial" "$output"
