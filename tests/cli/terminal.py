#!/usr/bin/env python3
"""Test-only: runs a command on a pseudo-terminal, as a person at a terminal would, and
answers its questions. Everything the terminal showed (the command's output and the echo of
what was typed, if echo was on) is printed as one JSON object: {"shown": ..., "status": ...}.

    terminal.py STEPS_JSON COMMAND [ARG]...

STEPS_JSON is a list of {"expect": TEXT, "send": TEXT}: wait (at most a few seconds) until
the terminal shows TEXT, then type SEND and Enter. A step whose text never shows is typed
anyway, as a person would type into a silent terminal. After the last step, Ctrl-D.
"""
import json
import os
import pty
import select
import sys
import time

WAIT = 5.0


def read_some(fd, shown, until):
    """Reads what the terminal shows until `until` (a deadline) or the end."""
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return False
        if not chunk:
            return False
        shown.extend(chunk)
    return True


def main():
    steps = json.loads(sys.argv[1])
    command = sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    shown = bytearray()
    for step in steps:
        deadline = time.monotonic() + WAIT
        want = step["expect"].encode()
        while want not in shown and time.monotonic() < deadline:
            if not read_some(fd, shown, time.monotonic() + 0.1):
                break
        try:
            os.write(fd, step["send"].encode() + b"\n")
        except OSError:
            break  # the command already ended
        read_some(fd, shown, time.monotonic() + 0.3)
    try:
        os.write(fd, b"\x04")
    except OSError:
        pass  # the command already ended and closed the terminal
    # Until the command closes the terminal (it ended), or a minute has passed.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and read_some(fd, shown, time.monotonic() + 0.5):
        pass
    if time.monotonic() >= deadline:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    print(json.dumps({"shown": shown.decode("utf-8", "replace"), "status": code}))


main()
