# shellcheck shell=sh
# Runs inside the image's chroot during recipe.sh (POSIX sh).
# Usage: sh customize.sh base|kdump ROOT_UUID
set -eu

stage=$1
root_uuid=$2

kernel_version() {
  # The guest's kernel, not the build host's: exactly one is installed.
  ls /lib/modules
}

stage_base() {
  echo kdump-lab > /etc/hostname
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tkdump-lab\n' > /etc/hosts
  # No fsck of the root file system at boot (pass 0): on the guest's emulated CPUs it
  # costs tens of seconds of every boot, and each test boots the guests many times.
  printf 'UUID=%s\t/\text4\terrors=remount-ro\t0\t0\n' "$root_uuid" > /etc/fstab

  cat > /etc/systemd/network/10-lab-dhcp.network <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=yes
EOF
  systemctl enable systemd-networkd.service
  # Timers that would compete with the tests for the guest's two slow CPUs.
  for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer; do
    systemctl mask "$unit" 2>/dev/null || true
  done

  install -d -m 0700 /root/.ssh
  install -m 0600 /root/authorized_key /root/.ssh/authorized_keys

  # kexec-tools must not take over reboots: a kexec reboot skips GRUB, so a new
  # crashkernel= would never reach /proc/cmdline.
  echo 'kexec-tools kexec-tools/load_kexec boolean false' | debconf-set-selections
  echo 'kdump-tools kdump-tools/use_kdump boolean true' | debconf-set-selections

  mkdir -p /etc/default/grub.d
  cat > /etc/default/grub.d/00-kdump-lab.cfg <<'EOF'
# Lab guest: serial console only, no menu delay.
GRUB_TIMEOUT=0
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_CMDLINE_LINUX="console=ttyS0,115200n8"
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_DISABLE_OS_PROBER=true
EOF

  # GRUB reads its modules and config from the root partition.
  mkdir -p /boot/grub/i386-pc
  cp /usr/lib/grub/i386-pc/*.mod /usr/lib/grub/i386-pc/*.lst /boot/grub/i386-pc/
  grub-mkimage -O i386-pc -o /boot/grub/i386-pc/core.img \
    -p '(hd0,msdos1)/boot/grub' biosdisk part_msdos ext2
}

stage_kdump() {
  kver=$(kernel_version)
  # Build the capture initrd now, not on the guest's first boot. MODULES=dep cannot
  # find the root device in a chroot, so name the modules dep would pick for this
  # virtual machine (virtio disk, ext4) for this one build only; rebuilds inside the
  # guest use the stock configuration again.
  printf 'MODULES=list\n' > /etc/initramfs-tools/conf.d/zz-kdump-lab-build
  cp /etc/initramfs-tools/modules /root/initramfs-modules.orig
  printf '%s\n' virtio_pci virtio_blk ext4 crc32c_generic >> /etc/initramfs-tools/modules
  # The trixie hook skips itself when ischroot says so; this build knows better.
  mkdir -p /root/lab-bin
  printf '#!/bin/sh\nexit 1\n' > /root/lab-bin/ischroot
  chmod 0755 /root/lab-bin/ischroot
  PATH=/root/lab-bin:$PATH /etc/kernel/postinst.d/kdump-tools "$kver"
  # The guest's own initrd from the same short list: MODULES=most packs 30 MB of
  # drivers that every boot unpacks and probes (floppy, ATA, CD-ROM) before it
  # mounts the root file system.
  update-initramfs -u -k "$kver"
  rm -r /root/lab-bin
  mv /root/initramfs-modules.orig /etc/initramfs-tools/modules
  rm /etc/initramfs-tools/conf.d/zz-kdump-lab-build
  rm -rf /var/lib/kdump/initramfs-tools
  kdump-config symlinks "$kver"
  test -s "/var/lib/kdump/initrd.img-$kver"
  # Without this record kdump-tools rebuilds (and first discards) the initrd.
  cp /etc/kdump/sysctl.conf "/var/lib/kdump/latest_sysctls-$kver"

  # Only now that grub-pc is installed may it know its device, so that a later
  # update in the guest reinstalls GRUB where it really boots from.
  echo 'grub-pc grub-pc/install_devices multiselect /dev/vda' | debconf-set-selections

  # The first grub.cfg, written by hand: grub-mkconfig cannot probe devices in a
  # chroot. The guest's first update-grub replaces it.
  cat > /boot/grub/grub.cfg <<EOF
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
set default=0
menuentry 'Debian GNU/Linux (lab first boot)' {
  insmod part_msdos
  insmod ext2
  set root=(hd0,msdos1)
  linux /boot/vmlinuz-$kver root=UUID=$root_uuid ro console=ttyS0,115200n8
  initrd /boot/initrd.img-$kver
}
EOF
  apt-get clean
}

case "$stage" in
  base) stage_base ;;
  kdump) stage_kdump ;;
  *) echo "customize.sh: unknown stage $stage" >&2; exit 2 ;;
esac
