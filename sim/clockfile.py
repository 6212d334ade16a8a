"""The shared simulated clock file, the Python side of kernel/include/daiban/kernel/sim_clock.hpp.

Same layout and the same seqlock protocol: a writer takes an exclusive flock, makes the sequence
odd, rebases at the current simulated time, writes the fields and makes the sequence even again;
a reader copies the fields and retries while the sequence was odd or changed under it.
"""

import fcntl
import mmap
import os
import struct
import time

MAGIC = 0x4B4C434D49534244  # "DBSIMCLK" little-endian
SIZE = 64
_FIELDS = struct.Struct("<QQqqq")


def _real_ns():
    return time.time_ns()


class ClockFile:
    def __init__(self, path):
        self.path = path
        self._fd = os.open(path, os.O_RDWR)
        self._map = mmap.mmap(self._fd, SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        magic = struct.unpack_from("<Q", self._map, 0)[0]
        if magic != MAGIC:
            raise ValueError(f"{path} is not a simulated clock")

    @staticmethod
    def create(path, start_s, speed):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = _FIELDS.pack(MAGIC, 0, int(start_s * 1e9), _real_ns(), int(round(speed * 1e6)))
            os.ftruncate(fd, 0)
            os.pwrite(fd, data.ljust(SIZE, b"\0"), 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
        return ClockFile(path)

    def _snapshot(self):
        """The fields and a real time read between them and the sequence check: a real time
        taken after the window could pair old fields with a moment after a writer's rebase at a
        new speed, and a reading could then pass the new base and go back (the C++ reader in
        sim_clock.hpp does the same)."""
        while True:
            _, before, sim_base, real_base, speed = _FIELDS.unpack_from(self._map, 0)
            if before % 2:
                continue
            real_now = _real_ns()
            after = struct.unpack_from("<Q", self._map, 8)[0]
            if after == before:
                return sim_base, real_base, speed, real_now

    @staticmethod
    def _at(sim_base, real_base, speed, real_now):
        return sim_base + (real_now - real_base) * speed // 1000000

    def now(self):
        """Simulated time, seconds since the Unix epoch."""
        sim_base, real_base, speed, real_now = self._snapshot()
        return self._at(sim_base, real_base, speed, real_now) / 1e9

    def speed(self):
        return self._snapshot()[2] / 1e6

    def _write(self, sim_target_ns, speed_micro):
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            _, seq, sim_base, real_base, speed = _FIELDS.unpack_from(self._map, 0)
            struct.pack_into("<Q", self._map, 8, seq + 1)
            real_now = _real_ns()
            current = self._at(sim_base, real_base, speed, real_now)
            struct.pack_into("<qqq", self._map, 16, max(current, sim_target_ns), real_now,
                             speed_micro)
            struct.pack_into("<Q", self._map, 8, seq + 2)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def jump(self, to_s):
        """Forward only: a moment not after now leaves the clock where it is."""
        self._write(int(to_s * 1e9), self._snapshot()[2])

    def set_speed(self, speed):
        self._write(-(2**62), int(round(speed * 1e6)))
