"""The functions an executable defines, as nm lists them; shared by link-order.py and
check-link-layout.py (imported from this directory, which Python puts first on sys.path)."""
import subprocess


def defined_functions(binary):
    """(name, address) of each function symbol BINARY defines (nm's types t, T, w and W), in
    nm's order. A name can come more than once: merged local thunks, one per object file."""
    for line in subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in "tTwW":
            yield fields[2], int(fields[0], 16)
