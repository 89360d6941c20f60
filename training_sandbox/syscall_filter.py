"""The system calls a job may not make, as the seccomp program bubblewrap loads (`--seccomp`).

A job trains models: it never needs the kernel's rarely used, often attacked interfaces, which
its user namespace would otherwise let it reach, nor sockets of families other than local, IP
and netlink ones. Those calls fail with EPERM, as where the kernel lacks them, and so do all
calls of the x32 ABI; a call of the 32-bit x86 ABI kills the job. Only x86-64 is known here:
elsewhere `program` is None, and jobs run without the filter (the worker's log says so).
"""

from __future__ import annotations

import errno
import platform
import struct

__all__ = ["ALLOWED_FAMILIES", "DENIED", "program"]

# Each call's x86-64 number (asm/unistd_64.h), grouped by what it would reach.
DENIED: dict[str, int] = {
    # other processes' memory and files
    "ptrace": 101,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "pidfd_getfd": 438,
    # kernel keyrings, eBPF, performance counters, userfaultfd, io_uring
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "bpf": 321,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    # namespaces and mounts (bubblewrap has set them up already)
    "unshare": 272,
    "setns": 308,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "fanotify_init": 300,
    # the machine itself: modules, kexec, clocks, swap, names, accounting, I/O ports
    "init_module": 175,
    "finit_module": 313,
    "delete_module": 176,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "reboot": 169,
    "swapon": 167,
    "swapoff": 168,
    "settimeofday": 164,
    "clock_settime": 227,
    "clock_adjtime": 305,
    "adjtimex": 159,
    "sethostname": 170,
    "setdomainname": 171,
    "acct": 163,
    "quotactl": 179,
    "lookup_dcookie": 212,
    "iopl": 172,
    "ioperm": 173,
}

# Socket families a job may open: local sockets, IP on its own loopback (or, for the download
# step, the network), and netlink, which name resolution and `ip` read. The others (vsock to
# the hypervisor, AF_ALG, AF_XDP, TIPC, RDS, packet sockets...) fail with EPERM.
ALLOWED_FAMILIES = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16}
_SOCKET_CALLS = (41, 53)  # socket, socketpair: their first argument is the family

_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000
# Classic BPF, as seccomp runs it over struct seccomp_data {int nr; u32 arch; u64 ip; u64 args[6]}.
_LOAD_WORD = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JUMP_IF_EQUAL = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JUMP_IF_AT_LEAST = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_RETURN = 0x06  # BPF_RET | BPF_K
_KILL_PROCESS = 0x80000000
_ERRNO = 0x00050000
_ALLOW = 0x7FFF0000
_NR, _ARCH, _FIRST_ARGUMENT = 0, 4, 16  # offsets in seccomp_data (the argument's low half)


def program() -> bytes | None:
    """The filter as bubblewrap reads it (struct sock_filter[]), or None on another machine."""
    if platform.machine() != "x86_64":
        return None
    code = [
        (_LOAD_WORD, _ARCH),
        (_JUMP_IF_EQUAL, _AUDIT_ARCH_X86_64, "number", None),
        (_RETURN, _KILL_PROCESS),
        "number",
        (_LOAD_WORD, _NR),
        (_JUMP_IF_AT_LEAST, _X32_SYSCALL_BIT, "deny", None),
        *[(_JUMP_IF_EQUAL, number, "family", None) for number in _SOCKET_CALLS],
        *[(_JUMP_IF_EQUAL, number, "deny", None) for number in sorted(DENIED.values())],
        (_RETURN, _ALLOW),
        "family",
        (_LOAD_WORD, _FIRST_ARGUMENT),
        *[(_JUMP_IF_EQUAL, family, "allow", None) for family in ALLOWED_FAMILIES.values()],
        "deny",
        (_RETURN, _ERRNO | errno.EPERM),
        "allow",
        (_RETURN, _ALLOW),
    ]
    return _assembled(code)


def _assembled(code: list) -> bytes:
    """Classic BPF from instructions and labels: (op, k) or (jump, k, if-true label, if-false
    label or None for the next instruction); a jump's offset counts the instructions it skips."""
    labels, index = {}, 0
    for item in code:
        if isinstance(item, str):
            labels[item] = index
        else:
            index += 1
    program, index = [], 0
    for item in code:
        if isinstance(item, str):
            continue
        if len(item) == 2:
            program.append(struct.pack("=HBBI", item[0], 0, 0, item[1]))
        else:
            op, k, if_true, if_false = item
            skips = [
                0 if label is None else labels[label] - index - 1 for label in (if_true, if_false)
            ]
            program.append(struct.pack("=HBBI", op, *skips, k))
        index += 1
    return b"".join(program)
