# -*- coding: utf-8 -*-
# Copyright: Contributors to the crashdump.kdump project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Host classes: hosts whose capture kernel needs the same memory share one recommendation.

The class key holds what changes the capture kernel's need, and nothing else:

* ``architecture`` (``uname -m``): kernel image size, page size and the
  distributions' defaults differ per architecture (arm64 and ppc64le reserve
  more);
* ``ram``: the RAM the kernel picks a ``crashkernel=`` range with (System RAM
  rounded up to 128M, ``reservation/syntax.round_up_ram``), put in its
  power-of-two bucket ``[2^k, 2^(k+1))``, written ``2G-4G``.  Every range
  boundary of the distribution defaults (``reservation/defaults.py``: 1G, 2G,
  4G, 16G, 32G, 64G, 128G, 1T) is a power of two, so all hosts of a class have
  the same default, i.e. the same upper bound; a "2 GiB" host whose firmware
  keeps a little RAM (1.99 GiB) lands where a full 2 GiB one does; and what
  grows with RAM in the capture kernel (makedumpfile's page bitmaps, the ELF
  headers of ``/proc/vmcore``) grows slowly, so a finer bucket would only split
  a fleet into classes of one host each;
* ``kernel_release``: the capture kernel is the running kernel with a kdump
  initramfs built for it, so a new release can change both sizes - the same
  reason a kernel update makes a crash-test proof stale (``capture/proof.py``);
* ``target``: the dump target type (``local``, ``xfs``, ``nfs``, ``ssh``...):
  a network target adds drivers, the ssh or NFS client and network buffers to
  the capture initramfs and kernel;
* ``collector``: the core collector command line (``makedumpfile -l -d 31``),
  which decides the dump level (the pages filtered) and the compression - both
  change makedumpfile's memory use; only ``--message-level`` is dropped, it
  changes what is printed, not what is held.

Not in the key: the distribution (it is in the kernel release), the host
name, the CPU count (the capture kernel boots with one CPU, ``nr_cpus=1``).

``class_recommendation`` gives a class the largest of its hosts' recommended
sizes: every host of the class captured at its own size or below, so the
largest is proven for all of them.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import posixpath
import re

from ansible_collections.crashdump.kdump.plugins.module_utils.reservation.syntax import format_size, round_up_ram

KEY_FIELDS = ('architecture', 'ram', 'kernel_release', 'target', 'collector')
_MESSAGE_LEVEL = re.compile(r'\s--message-level(?:\s+|=)\S+')


def ram_bucket(ram_bytes):
    """``2146938880`` (1.99 GiB) -> ``'2G-4G'``; None when unknown."""
    if not ram_bytes:
        return None
    ram = round_up_ram(int(ram_bytes))
    low = 1 << (ram.bit_length() - 1)
    return '%s-%s' % (format_size(low), format_size(low * 2))


def collector_key(core_collector):
    """The collector command line without ``--message-level``, its program by base name, spaces collapsed."""
    words = _MESSAGE_LEVEL.sub('', ' ' + (core_collector or '')).split()
    if not words:
        return None
    return ' '.join([posixpath.basename(words[0])] + words[1:])


def class_key(architecture, ram_bytes, kernel_release, target_type, core_collector):
    """The class of a host as a dict of ``KEY_FIELDS``."""
    return {'architecture': architecture or None, 'ram': ram_bucket(ram_bytes),
            'kernel_release': kernel_release or None, 'target': target_type or None,
            'collector': collector_key(core_collector)}


def class_name(key):
    """One line naming the class: its fields in ``KEY_FIELDS`` order, ``?`` for an unknown one."""
    return ' '.join(str(key.get(field) or '?') for field in KEY_FIELDS)


def class_recommendation(recommended_sizes):
    """The largest of the hosts' recommended sizes (bytes), ignoring hosts without one; None if none has one."""
    sizes = [int(size) for size in recommended_sizes if size]
    return max(sizes) if sizes else None
