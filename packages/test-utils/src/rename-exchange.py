"""Swaps two directory entries again and again with renameat2(RENAME_EXCHANGE), as a hostile local user would to
race a server's path checks: usage `rename-exchange.py A B COUNT`. Each swap is atomic, so at every instant one of
the two names is the directory and the other the symlink. Stops after COUNT swaps (or when killed); prints the count.
"""
import ctypes
import sys

AT_FDCWD = -100
RENAME_EXCHANGE = 2

libc = ctypes.CDLL(None, use_errno=True)
renameat2 = libc.renameat2
renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]

first = sys.argv[1].encode()
second = sys.argv[2].encode()
count = int(sys.argv[3])
print("ready", flush=True)
swaps = 0
for _ in range(count):
    if renameat2(AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE) != 0:
        sys.exit("renameat2 failed: errno %d" % ctypes.get_errno())
    swaps += 1
print(swaps, flush=True)
