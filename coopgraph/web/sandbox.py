"""Processes that cannot connect anywhere: an empty network namespace and a seccomp filter on `socket()`.

pyoxigraph evaluates `SERVICE` itself, opening connections from native code
that no Python hook sees. The guard (coopgraph/web/guard.py) refuses such
queries by their parse tree; this module makes the harm impossible anyway.
`install()` runs once in the process that holds the data, before it forks
the first request process (coopgraph/web/workers.py); both layers are
inherited by every child:

- **seccomp** (libseccomp, through ctypes): `socket()` for any family but
  `AF_UNIX` fails with EACCES, and so does `io_uring_setup` (io_uring can open
  sockets without the `socket` system call). Needs no privilege (it sets
  `no_new_privs`), only Linux and libseccomp 2 (`libseccomp2` on Debian,
  present wherever systemd is).
- **network namespace**: `unshare(CLONE_NEWNET)` as root, else
  `unshare(CLONE_NEWUSER | CLONE_NEWNET)` where unprivileged user namespaces
  are allowed. Sockets opened before (the ones to the front) keep working;
  new ones live in an empty namespace whose loopback is down.

Either layer alone stops every outbound connection (the seccomp one also
stops DNS look-ups: no name is ever resolved). `install()` raises
SandboxError when neither can be installed; `coopgraph serve` then refuses
to start unless told `--no-sandbox`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import socket
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_ACT_ERRNO = 0x00050000
_SCMP_CMP_NE = 1


class SandboxError(RuntimeError):
    """No sandbox layer could be installed (the message says why each failed)."""


class _ArgCmp(ctypes.Structure):
    """libseccomp's `struct scmp_arg_cmp`."""

    _fields_ = (
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    )


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def network_namespace() -> str:
    """Move this (single-threaded) process into a new, empty network namespace; the layer's name.

    Raises OSError when the kernel refuses both ways (no root, no unprivileged user namespaces).
    """
    if not sys.platform.startswith("linux"):
        raise OSError(errno.ENOSYS, "network namespaces are a Linux feature")
    unshare = _libc().unshare
    unshare.argtypes = (ctypes.c_int,)
    if unshare(CLONE_NEWNET) == 0:
        return "network namespace"
    first = ctypes.get_errno()
    if unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
        return "network namespace (in a user namespace)"
    second = ctypes.get_errno()
    raise OSError(second, f"unshare: {os.strerror(first)}; with a user namespace: {os.strerror(second)}")


def seccomp_filter() -> str:
    """Install the filter (socket() of any family but AF_UNIX and io_uring_setup fail with EACCES); its name.

    Raises OSError when libseccomp is missing or the kernel refuses the filter.
    """
    if not sys.platform.startswith("linux"):
        raise OSError(errno.ENOSYS, "seccomp is a Linux feature")
    name = ctypes.util.find_library("seccomp")
    if name is None:
        raise OSError(errno.ENOENT, "libseccomp is not installed (Debian: apt-get install libseccomp2)")
    lib = ctypes.CDLL(name, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = (ctypes.c_uint32,)
    lib.seccomp_syscall_resolve_name.argtypes = (ctypes.c_char_p,)
    lib.seccomp_rule_add_array.argtypes = (
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    )
    lib.seccomp_load.argtypes = (ctypes.c_void_p,)
    lib.seccomp_release.argtypes = (ctypes.c_void_p,)
    context = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not context:
        raise OSError(errno.ENOMEM, "seccomp_init failed")
    refuse = _SCMP_ACT_ERRNO | errno.EACCES
    try:
        not_unix = (_ArgCmp * 1)(_ArgCmp(0, _SCMP_CMP_NE, socket.AF_UNIX, 0))
        rules: list[tuple[bytes, int, ctypes.Array[_ArgCmp] | None]] = [
            (b"socket", 1, not_unix),
            (b"io_uring_setup", 0, None),
        ]
        for syscall, count, args in rules:
            number = lib.seccomp_syscall_resolve_name(syscall)
            if number < 0:  # not a system call on this architecture
                continue
            result = lib.seccomp_rule_add_array(context, refuse, number, count, args)
            if result < 0:
                raise OSError(-result, f"seccomp_rule_add({syscall.decode()}): {os.strerror(-result)}")
        result = lib.seccomp_load(context)
        if result < 0:
            raise OSError(-result, f"seccomp_load: {os.strerror(-result)}")
    finally:
        lib.seccomp_release(context)
    return "seccomp"


def install() -> list[str]:
    """Install every layer this system allows (call while single-threaded); their names. SandboxError if none."""
    layers, failures = [], []
    for layer in (network_namespace, seccomp_filter):
        try:
            layers.append(layer())
        except OSError as error:
            failures.append(f"{layer.__name__.replace('_', ' ')}: {error.strerror or error}")
    if not layers:
        raise SandboxError(
            "no sandbox layer could be installed (" + "; ".join(failures) + "): request processes could open "
            "connections; run on Linux with libseccomp 2, or pass --no-sandbox to serve without it"
        )
    return layers


def can_connect_out() -> bool:
    """Whether this process can open an IPv4 TCP socket and reach loopback (refused counts as reached)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            return probe.connect_ex(("127.0.0.1", 9)) in (0, errno.ECONNREFUSED)
    except OSError:
        return False
