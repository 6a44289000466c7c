#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal of a given size and plays a script against it,
as a user at a terminal would: wait for some text, type a line, resize the window.

    pty-drive.py [--size ROWSxCOLS] [--timeout SECONDS] STEP... -- COMMAND [ARG...]

Steps, in order:
    expect:TEXT    wait until TEXT has appeared in the output (since the previous expect)
    send:TEXT      type TEXT; "\\n" in it is Enter, "\\x03" is ^C and so on (Python escapes)
    resize:RxC     set the terminal's size to R rows and C columns (the command gets SIGWINCH)
    sleep:SECONDS  pause

Everything the command wrote is printed at the end, with CRs removed. The exit status is the
command's; 124 when the steps or the command did not finish within the timeout (the command's
session is then killed).
"""
import codecs
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def parse_size(text):
    rows, cols = text.lower().split("x")
    return int(rows), int(cols)


def main(argv):
    size = (24, 80)
    timeout = 60.0
    args = argv[1:]
    while args and args[0].startswith("--") and args[0] != "--":
        opt = args.pop(0)
        if opt == "--size":
            size = parse_size(args.pop(0))
        elif opt == "--timeout":
            timeout = float(args.pop(0))
        else:
            sys.exit(f"pty-drive: unknown option {opt}")
    if "--" not in args:
        sys.exit(__doc__)
    split = args.index("--")
    steps, command = args[:split], args[split + 1:]
    if not command:
        sys.exit(__doc__)

    master, slave = os.openpty()
    set_size(master, *size)

    def make_controlling_terminal():
        # Popen already called setsid(): the new session takes the pty as its terminal.
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    child = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True, preexec_fn=make_controlling_terminal,
                             close_fds=True)
    os.close(slave)
    deadline = time.monotonic() + timeout
    output = bytearray()
    seen = 0  # where the next expect starts looking
    eof = False

    def pump(wait):
        nonlocal eof
        if eof:
            time.sleep(min(wait, 0.05))
            return
        ready, _, _ = select.select([master], [], [], wait)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every holder of the slave side has closed it
                data = b""
            if data:
                output.extend(data)
            else:
                eof = True

    def remaining():
        return deadline - time.monotonic()

    status = None
    try:
        for step in steps:
            kind, _, arg = step.partition(":")
            if kind == "expect":
                want = codecs.decode(arg, "unicode_escape").encode()
                while output.find(want, seen) < 0:
                    if remaining() <= 0 or (eof and child.poll() is not None):
                        raise TimeoutError(f"expect {arg!r}")
                    pump(min(0.1, max(remaining(), 0)))
                seen = output.find(want, seen) + len(want)
            elif kind == "send":
                os.write(master, codecs.decode(arg, "unicode_escape").encode())
            elif kind == "resize":
                set_size(master, *parse_size(arg))
            elif kind == "sleep":
                end = time.monotonic() + float(arg)
                while time.monotonic() < end:
                    pump(max(0, min(0.1, end - time.monotonic())))
            else:
                sys.exit(f"pty-drive: unknown step {step!r}")
        while child.poll() is None or not eof:
            if remaining() <= 0:
                raise TimeoutError("waiting for the command to exit")
            pump(min(0.1, max(remaining(), 0)))
            if child.poll() is not None and not eof:
                # The command exited; read what is left without waiting for other holders.
                pump(0.2)
                break
        status = child.wait()
    except TimeoutError as err:
        print(f"pty-drive: timed out: {err}", file=sys.stderr)
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()
        status = 124
    finally:
        sys.stdout.write(output.decode(errors="replace").replace("\r", ""))
        sys.stdout.flush()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
