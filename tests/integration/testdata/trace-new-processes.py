#!/usr/bin/python3
"""trace-new-processes.py COMMAND...: run COMMAND under ptrace, following every fork,
and print one line per new process as it is created, before it runs an instruction:

    <pid> <pid namespace link> <command line, NULs as spaces>

A process that lives a few microseconds (a runtime's raw stage before it executes its
init) is seen as surely as a long-lived one. Threads are followed but not printed.
Exits with COMMAND's status as soon as COMMAND exits (the processes it leaves are let
go). Needs root (or ptrace rights over COMMAND).

trace-new-processes.py --hold NS FILE COMMAND...: the same, and the first new process
created in pid namespace NS (a link as /proc/<pid>/ns/pid shows it) is held: let go
stopped (SIGSTOP) before it runs an instruction, no longer traced, its pid written to
FILE. SIGCONT lets it go on.
"""
import ctypes
import os
import signal
import sys

PTRACE_CONT = 7
PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_GETEVENTMSG = 0x4201
PTRACE_O_TRACEFORK = 0x02
PTRACE_O_TRACEVFORK = 0x04
PTRACE_O_TRACECLONE = 0x08
PTRACE_EVENT_FORK, PTRACE_EVENT_VFORK, PTRACE_EVENT_CLONE = 1, 2, 3
WALL = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


def ptrace(req, pid, addr=0, data=0):
    if libc.ptrace(req, pid, ctypes.c_void_p(addr), ctypes.c_void_p(data)) == -1:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def describe(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        ns = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return
    print(f"{pid} {ns} {cmd}", flush=True)


def pid_ns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def main():
    args = sys.argv[1:]
    hold_ns = held_file = None
    if args[:1] == ["--hold"]:
        hold_ns, held_file, args = args[1], args[2], args[3:]
    child = os.fork()
    if child == 0:
        os.kill(os.getpid(), signal.SIGSTOP)
        os.execvp(args[0], args)
    os.waitpid(child, os.WUNTRACED)
    opts = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE
    ptrace(PTRACE_SEIZE, child, 0, opts)
    os.kill(child, signal.SIGCONT)
    status = 1
    while True:
        try:
            pid, st = os.waitpid(-1, WALL)
        except ChildProcessError:
            break
        if os.WIFEXITED(st) or os.WIFSIGNALED(st):
            if pid == child:
                status = os.waitstatus_to_exitcode(st)
                if status < 0:
                    status = 128 - status
                # Done: what the command left running (a created container waiting
                # for start) is let go as this tracer exits, not waited for.
                break
            continue
        if not os.WIFSTOPPED(st):
            continue
        sig, event = os.WSTOPSIG(st), st >> 16
        deliver = 0
        if hold_ns is not None and pid != child and pid_ns(pid) == hold_ns:
            # Its first stop (a new tracee stops before its first instruction, whether
            # or not its parent's fork event came first): a SIGSTOP waits for it as it
            # is let go, so it stops again at once, untraced.
            os.kill(pid, signal.SIGSTOP)
            ptrace(PTRACE_DETACH, pid, 0, 0)
            with open(held_file, "w") as f:
                f.write(f"{pid}\n")
            hold_ns = None
            continue
        if event in (PTRACE_EVENT_FORK, PTRACE_EVENT_VFORK):
            new = ctypes.c_ulong()
            ptrace(PTRACE_GETEVENTMSG, pid, 0, ctypes.addressof(new))
            describe(new.value)
        elif event == 0 and sig not in (signal.SIGSTOP, signal.SIGTRAP):
            deliver = sig  # a signal for the tracee: pass it on
        try:
            ptrace(PTRACE_CONT, pid, 0, deliver)
        except OSError:
            pass  # gone meanwhile
    sys.exit(status)


main()
