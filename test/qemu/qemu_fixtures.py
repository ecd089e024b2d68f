#!/usr/bin/env python3
"""Make the QEMU test fixtures once per build (docs/formats/qemu.md, "Tests").

For each test guest (test/qemu/guest.S in three paging modes) this assembles the guest,
boots it under TCG with 2 vCPUs, waits until both CPUs report on the debug console, stops
the VM and records ground truth through QMP: `info registers -a`, `gva2gpa` for many
addresses per vCPU, `pmemsave`/`memsave` of some ranges. Then it writes an ELF dump, a
paging ELF dump, a kdump-zlib dump and a migration stream of the same stopped VM, plus a
libvirt save file wrapping the stream. Everything goes to OUT/<guest>/; OUT/STATUS says
"ok" or why the fixtures could not be made (the C tests read it).

Usage: qemu_fixtures.py SRC_DIR OUT_DIR
"""
import hashlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

QEMU = "qemu-system-x86_64"

GUESTS = {
    # name: (MODE for guest.S, machine)
    "lm64": (1, "pc"),
    "pae": (2, "q35"),
    "x86": (3, "pc"),
}

PAT = 0x400000


def gvas_lm64():
    v = []
    for a in (0x0, 0x1000, 0x4f000, 0x4fffc, 0x50000, 0x5f000, 0x60000, 0x100000, 0x1234,
              0x3000):
        v.append(a)
    v += [0x1f0000 + i * 0x1000 + 0x10 for i in range(16)]
    v += [0x200000 * i + 0x1000 * i for i in range(1, 32, 3)]
    v += [0x4000000, 0x7000000, 0x3fffff0]
    v += [0x40000000, 0x40001234, 0x40400000 + 0x5678, 0x43fff000, 0x7ffff000]
    v += [0xC0000000 + 0x3ffc0000, 0xC0000000 + 0x3ffff000, 0x80000000]
    d = 0xffff800000000000
    v += [d, d + 0x401000, d + 0x3fff000, d + 0x4000000, d + 0x100000]
    v += [d + 100 * 0x200000 + i * 0x1000 + 8 for i in range(12)]
    v += [d + 100 * 0x200000 + 510 * 0x1000, d + 100 * 0x200000 + 511 * 0x1000]
    k = 0xffffffff80000000
    v += [k, k + 0x100000, k + 0xfff000, k + 0x1000000, k - 0x1000]
    v += [0x0000800000000000, 0xffff7ffffffff000, 0x00007ffffffff000]
    return v


def gvas_pae():
    v = [0x0, 0x1000, 0x4f000, 0x50000, 0x5f000, 0x60000, 0x100000, 0x123]
    v += [0x1f0000 + i * 0x1000 + 0x20 for i in range(16)]
    v += [0x200000 * i + 0x1000 * i for i in range(1, 32, 3)]
    v += [0x4000000, 0x5000000, 0x5001234, 0x51ff000, 0x5200000]
    v += [0x40000000, 0x80000000, 0xBFFFF000]
    h = 0xC0000000
    v += [h, h + 0x401000, h + 0x3fff000, h + 0x4000000]
    v += [h + 100 * 0x200000 + i * 0x1000 + 4 for i in range(12)]
    v += [0xFFFFF000]
    return v


def gvas_x86():
    v = [0x0, 0x1000, 0x4f000, 0x50000, 0x5f000, 0x60000, 0x100000, 0x3ef000]
    v += [0x3f0000 + i * 0x1000 + 0x30 for i in range(16)]
    v += [0x400000 * i + 0x1000 * i for i in range(1, 16, 2)]
    v += [0x4000000, 0x8000000, 0x80000000]
    h = 0xC0000000
    v += [h, h + 0x401000, h + 0x3fff000, h + 0x4000000]
    v += [0xE0000000 + i * 0x1000 + 0xc for i in range(12)]
    v += [0xFFFFF000]
    return v


GVAS = {"lm64": gvas_lm64, "pae": gvas_pae, "x86": gvas_x86}
# (cpu, gva, length) ranges read through the guest's page tables with memsave
VRANGES = {
    "lm64": [(0, 0x1f0000, 0x10000), (0, 0xffff800000000000 + 100 * 0x200000, 0x1000),
             (1, 0xffff800000000000 + 100 * 0x200000 + 0x2000, 0x1000),
             (1, 0xffffffff80100000, 0x2000), (0, 0x40400000, 0x2000)],
    "pae": [(0, 0x1f0000, 0x10000), (1, 0xC0000000 + 100 * 0x200000, 0x1000),
            (0, 0x5000000, 0x2000)],
    "x86": [(0, 0x3f0000, 0x10000), (1, 0xE0000000, 0x1000), (0, 0xC0400000, 0x2000)],
}
# (gpa, length) ranges saved with pmemsave
PRANGES = [(0x0, 0x1000), (0x100000, 0x2000), (0x300000, 0x10000), (PAT, 0x10000),
           (0x7ff000, 0x1000), (0x3fff000, 0x1000), (0xfffc0000, 0x40000)]


class Qmp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.time() + 20
        while True:
            try:
                self.s.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.f = self.s.makefile("rwb")
        self.read()  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.f.write(json.dumps(req).encode() + b"\n")
        self.f.flush()
        rsp = self.read()
        if "error" in rsp:
            raise RuntimeError("%s: %s" % (name, rsp["error"]))
        return rsp["return"]

    def hmp(self, line, cpu=None):
        if cpu is None:
            return self.cmd("human-monitor-command", **{"command-line": line})
        return self.cmd("human-monitor-command", **{"command-line": line, "cpu-index": cpu})


SEG_RE = re.compile(r"^(ES|CS|SS|DS|FS|GS|LDT|TR) *=([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) "
                    r"([0-9a-f]+)", re.M)
TBL_RE = re.compile(r"^(GDT|IDT)= +([0-9a-f]+) ([0-9a-f]+)", re.M)
REG_RE = re.compile(r"\b(R[A-Z0-9]+|E[A-Z]{2}|EFL|RFL|CR[0-4]|EFER|DR[0-7])=([0-9a-f]+)")


def parse_registers(text):
    """Split `info registers -a` into per-CPU dicts of lower-case names -> int."""
    text = text.replace("\r", "")
    cpus = []
    for block in re.split(r"^CPU#\d+\n", text, flags=re.M)[1:]:
        r = {}
        for name, val in REG_RE.findall(block):
            name = name.lower()
            if name[0] == "e" and name not in ("efer", "efl"):
                name = "r" + name[1:]  # 32-bit names: EAX -> rax
            if name in ("efl", "rfl"):
                name = "rflags"
            r[name] = int(val, 16)
        for seg, sel, base, limit, flags in SEG_RE.findall(block):
            s = {"LDT": "ldtr"}.get(seg, seg.lower())
            r[s] = int(sel, 16)
            r[s + "_base"] = int(base, 16)
            r[s + "_limit"] = int(limit, 16)
            # hypervisor attribute layout (vmsavedstate_regs.h) from QEMU's flags word
            r[s + "_attr"] = (int(flags, 16) >> 8) & 0xf0ff
        for tbl, base, limit in TBL_RE.findall(block):
            r[tbl.lower() + "r_base"] = int(base, 16)
            r[tbl.lower() + "r_limit"] = int(limit, 16)
        cpus.append(r)
    return cpus


def build_guest(src, out, mode):
    obj = os.path.join(out, "guest.o")
    elf = os.path.join(out, "guest.elf")
    subprocess.run(["as", "--32", "--defsym", "MODE=%d" % mode, "-o", obj,
                    os.path.join(src, "test", "qemu", "guest.S")], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-Ttext=0x100000", "-o", elf, obj], check=True)
    return elf


def make_guest(src, out, name):
    mode, machine = GUESTS[name]
    os.makedirs(out, exist_ok=True)
    elf = build_guest(src, out, mode)
    sock = os.path.join(out, "qmp.sock")
    con = os.path.join(out, "console.txt")
    for p in (sock, con):
        if os.path.exists(p):
            os.unlink(p)
    argv = [QEMU, "-nodefaults", "-nographic", "-machine", machine, "-cpu", "max",
            "-smp", "2", "-m", "64", "-accel", "tcg", "-kernel", elf,
            "-debugcon", "file:" + con, "-monitor", "none", "-serial", "none",
            "-qmp", "unix:%s,server=on,wait=off" % sock]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    try:
        qmp = Qmp(sock)
        deadline = time.time() + 60
        while True:
            txt = open(con).read() if os.path.exists(con) else ""
            if "A" in txt and "B" in txt:
                break
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("%s: guest did not report READY (console %r)" % (name, txt))
            time.sleep(0.05)
        time.sleep(0.3)  # let both CPUs reach hlt
        qmp.cmd("stop")
        regs_text = qmp.hmp("info registers -a").replace("\r", "")
        open(os.path.join(out, "registers.txt"), "w").write(regs_text)
        cpus = parse_registers(regs_text)
        if len(cpus) != 2:
            raise RuntimeError("%s: expected 2 CPUs in info registers" % name)
        open(os.path.join(out, "mtree.txt"), "w").write(qmp.hmp("info mtree -f"))
        xl = []
        for cpu in range(2):
            for gva in GVAS[name]():
                txt = qmp.hmp("gva2gpa 0x%x" % gva, cpu=cpu).strip()
                # "%#" PRIx64 prints a GPA of 0 as "0"
                m = re.match(r"gpa: (0x[0-9a-f]+|0)$", txt)
                xl.append([cpu, "%#x" % gva, ("%#x" % int(m.group(1), 0)) if m else None])
        pr = []
        for i, (gpa, ln) in enumerate(PRANGES):
            f = os.path.join(out, "pmem%d.bin" % i)
            qmp.cmd("pmemsave", val=gpa, size=ln, filename=f)
            pr.append(["%#x" % gpa, ln, os.path.basename(f)])
        vr = []
        for i, (cpu, gva, ln) in enumerate(VRANGES[name]):
            f = os.path.join(out, "vmem%d.bin" % i)
            qmp.cmd("memsave", val=gva - (1 << 64) if gva >> 63 else gva, size=ln, filename=f, **{"cpu-index": cpu})
            vr.append([cpu, "%#x" % gva, ln, os.path.basename(f)])
        qmp.cmd("dump-guest-memory", paging=False, protocol="file:" + os.path.join(out, "dump.elf"))
        qmp.cmd("dump-guest-memory", paging=True,
                protocol="file:" + os.path.join(out, "dump-paging.elf"))
        qmp.cmd("dump-guest-memory", paging=False, format="kdump-zlib",
                protocol="file:" + os.path.join(out, "dump.kdump"))
        stream = os.path.join(out, "stream.mig")
        qmp.cmd("migrate", uri="exec:cat > " + stream)
        deadline = time.time() + 120
        while True:
            st = qmp.cmd("query-migrate").get("status")
            if st == "completed":
                break
            if st in ("failed", "cancelled") or time.time() > deadline:
                raise RuntimeError("%s: migration %s" % (name, st))
            time.sleep(0.05)
        write_libvirt_save(out, stream, machine)
        truth = {"guest": name, "machine": machine, "ram": 64 << 20,
                 "cpus": [{k: "%#x" % v for k, v in c.items()} for c in cpus],
                 "gva2gpa": xl, "pmem": pr, "vmem": vr}
        with open(os.path.join(out, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
        qmp.cmd("quit")
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def write_libvirt_save(out, stream, machine):
    """Wrap the stream the way `virsh save` does (qemu-formats §8): 92-byte header,
    domain XML, zero padding, then the stream."""
    xml = ("<domain type='qemu'>\n  <name>vms-test</name>\n  <memory unit='KiB'>65536</memory>\n"
           "  <vcpu>2</vcpu>\n  <os><type arch='x86_64' machine='%s'>hvm</type></os>\n"
           "</domain>\n" % {"pc": "pc-i440fx-7.2", "q35": "pc-q35-7.2"}[machine]).encode()
    data = xml + b"\0"
    data_len = len(data) + 4096  # libvirt reserves slack for later XML edits
    hdr = b"LibvirtQemudSave" + struct.pack("<5I", 2, data_len, 1, 0, 0) + b"\0" * 56
    with open(os.path.join(out, "save.libvirt"), "wb") as f:
        f.write(hdr)
        f.write(data.ljust(data_len, b"\0"))
        with open(stream, "rb") as s:
            shutil.copyfileobj(s, f)


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    status = os.path.join(out, "STATUS")
    # remake when the guest or this script changed
    h = hashlib.sha256()
    for f in ("guest.S", "qemu_fixtures.py"):
        h.update(open(os.path.join(src, "test", "qemu", f), "rb").read())
    stamp = h.hexdigest()[:16]
    if os.path.exists(status):
        old = open(status).read()
        if old.startswith("ok") and stamp in old:
            print("qemu fixtures: already made in %s" % out)
            return 0
    missing = [t for t in (QEMU, "as", "ld") if shutil.which(t) is None]
    if missing:
        msg = ("missing %s: run scripts/qemu-deps.sh (or set VMS_SKIP_QEMU=1)"
               % ", ".join(missing))
        open(status, "w").write(msg + "\n")
        print("qemu fixtures: " + msg, file=sys.stderr)
        return 0 if os.environ.get("VMS_SKIP_QEMU") == "1" else 1
    t0 = time.time()
    try:
        for name in GUESTS:
            make_guest(src, os.path.join(out, name), name)
    except Exception as e:  # report, then let the tests fail with the message
        open(status, "w").write("failed: %s\n" % e)
        print("qemu fixtures: failed: %s" % e, file=sys.stderr)
        return 1
    open(status, "w").write("ok %s [%s]\n" % (subprocess.run(
        [QEMU, "--version"], capture_output=True, text=True).stdout.splitlines()[0], stamp))
    print("qemu fixtures: made in %.1f s" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
