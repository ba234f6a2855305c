"""What the desktop bundle leaves out, and its true size on disk.

faceapp.spec calls trim() on PyInstaller's Analysis lists and strip_debug() on the built
folder; build/package.py reports disk_usage(). Kept free of PyInstaller imports so the
tests can check the rules without building anything.

Variants (FACEAPP_BUNDLE_VARIANT, set by `build/package.py --variant`):
  cpu  without ONNX Runtime's CUDA and TensorRT providers (271 MiB of libraries that only
       an NVIDIA GPU with CUDA and cuDNN installed can use); runs on the CPU everywhere,
       including on PCs that have an NVIDIA GPU.
  gpu  keeps them: onnxruntime-gpu is the point of that bundle.
Both leave out the Qt pieces faceapp never uses (the GTK3 theme plugin drags in GTK, cairo
and pango; network, TLS and embedded-display plugins; catalogues other than qtbase_*), and
every library only those pieces needed.
"""

from __future__ import annotations

import logging
import mmap
import os
import re
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath

log = logging.getLogger(__name__)

VARIANTS = ("cpu", "gpu")

# ONNX Runtime's GPU providers: Linux .so and Windows .dll names.
GPU_PROVIDERS = re.compile(r"(^|/)(lib)?onnxruntime_providers_(cuda|tensorrt)\.(so|dll)$", re.I)

# Qt parts the app does not use, matched against the bundle path with "/" separators
# (Linux wheels: PySide6/Qt/plugins/..., Windows wheels: PySide6/plugins/...).
_QT = r"(^|/)PySide6/(Qt/)?"
UNUSED_QT = re.compile(
    _QT + r"plugins/("
    r"platformthemes/[^/]*gtk3[^/]*"  # GTK theme: pulls in GTK 3, cairo, pango, atk (17 MiB)
    r"|tls/.*|networkinformation/.*"  # QtNetwork back-ends; faceapp does no Qt networking
    r"|egldeviceintegrations/.*|generic/.*"  # embedded full-screen EGL and evdev input (no desktop)
    r"|platforms/[^/]*(eglfs|linuxfb|vnc|vkkhrdisplay|minimalegl)[^/]*"
    # photos reach Qt as decoded pixels (OpenCV reads the files); Qt loads only the SVG icon
    r"|imageformats/[^/]*(gif|icns|jpeg|tga|tiff|wbmp|webp|pdf)[^/]*"
    r")$",
    re.I,
)
# System libraries left to the system: CUPS comes with every Linux desktop that prints, and
# bundling it dragged in GnuTLS, Kerberos and Avahi (about 10 MiB). Qt's CUPS print plugin
# loads the system's libcups; without one it offers no printers and printing to PDF still
# works (reports are exported as PDF by QPdfWriter, which needs no plugin).
LEFT_TO_SYSTEM = re.compile(r"(^|/)libcups\.so(\.\d+)*$")
QT_CATALOGUE = re.compile(_QT + r"translations/([^/]*)\.qm$", re.I)


def unwanted(dest: str, variant: str, languages: Iterable[str] | None = None) -> bool:
    """True for a bundle path that the variant leaves out on purpose. Qt's catalogues: only
    qtbase_<lang> for the languages faceapp itself ships (`languages`, e.g. ["zh_CN"]; the
    app loads Qt's only next to its own), or every qtbase_* when languages is None."""
    dest = dest.replace("\\", "/")  # Windows bundle paths
    if variant == "cpu" and GPU_PROVIDERS.search(dest):
        return True
    if LEFT_TO_SYSTEM.search(dest):
        return True
    catalogue = QT_CATALOGUE.search(dest)
    if catalogue:
        stem = catalogue.group(3)
        if not stem.startswith("qtbase_"):
            return True
        if languages is None:
            return False
        lang = stem[len("qtbase_"):]
        return not any(lang == want or want.startswith(lang + "_") for want in languages)
    return bool(UNUSED_QT.search(dest))


def shipped_languages(translations: Path) -> list[str]:
    """The languages faceapp has a catalogue for: resources/translations/faceapp_<lang>.qm."""
    return sorted(p.stem[len("faceapp_"):] for p in translations.glob("faceapp_*.qm"))


def _key(name: str) -> str:
    return name.lower() if os.name == "nt" else name


def elf_needed(path: Path) -> list[str] | None:
    """DT_NEEDED names of an ELF file (its direct dependencies); None when it is not ELF."""
    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return None
        f.seek(0)
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    bits64, end = data[4] == 2, "<" if data[5] == 1 else ">"
    if bits64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
        sec_fmt, dyn_fmt = end + "IIQQQQIIQQ", end + "qQ"
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
        sec_fmt, dyn_fmt = end + "IIIIIIIIII", end + "iI"
    sections = [struct.unpack_from(sec_fmt, data, shoff + i * shentsize) for i in range(shnum)]
    out: list[str] = []
    for sec in sections:
        if sec[1] != 6:  # SHT_DYNAMIC
            continue
        offset, size, link = sec[4], sec[5], sec[6]
        strtab = sections[link][4]
        step = struct.calcsize(dyn_fmt)
        for pos in range(offset, offset + size, step):
            tag, val = struct.unpack_from(dyn_fmt, data, pos)
            if tag == 0:
                break
            if tag == 1:  # DT_NEEDED
                out.append(data[strtab + val:data.find(b"\0", strtab + val)].decode())
    return out


def file_needs(path: str) -> list[str] | None:
    """Direct dependencies of a binary (ELF, or PE through pefile); None when unknown."""
    p = Path(path)
    if not p.is_file():
        return None
    with open(p, "rb") as f:
        magic = f.read(4)
    if magic == b"\x7fELF":
        return elf_needed(p)
    if magic[:2] == b"MZ":
        try:
            import pefile  # PyInstaller's own dependency on Windows
        except ImportError:
            return None
        pe = pefile.PE(str(p), fast_load=True)
        pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"]])
        return [e.dll.decode() for e in getattr(pe, "DIRECTORY_ENTRY_IMPORT", [])]
    return None


Entry = tuple[str, str, str]  # PyInstaller TOC entry: (bundle path, source path, type)


def trim(binaries: Iterable[Entry], datas: Iterable[Entry], variant: str, languages: Iterable[str] | None = None,
         needs: Callable[[str], list[str] | None] = file_needs) -> tuple[list[Entry], list[Entry], list[str]]:
    """Leave out what the variant does not want, then every library that only the left-out
    binaries needed (a library something kept still needs stays). Returns the new binaries,
    datas and the bundle paths dropped. When some kept binary's dependencies cannot be read,
    only the named parts are dropped (nothing is guessed)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown bundle variant {variant!r}; use {' or '.join(VARIANTS)}")
    binaries, datas = list(binaries), list(datas)
    languages = None if languages is None else list(languages)
    files = [e for e in binaries if e[2] != "SYMLINK"]
    drop = {e[0] for e in files if unwanted(e[0], variant, languages)}
    deps = {e[0]: needs(e[1]) for e in files}
    by_name: dict[str, list[str]] = {}
    for e in files:
        by_name.setdefault(_key(PurePath(e[0]).name), []).append(e[0])
    unknown = sorted(dest for dest, d in deps.items() if d is None and dest not in drop)
    if unknown:
        log.warning("dependencies unreadable for %s: only the named parts are left out", ", ".join(unknown[:5]))
    known = not unknown
    # candidates: everything reachable from the named parts through their dependencies
    pool: set[str] = set()
    frontier = set(drop) if known else set()
    while frontier:
        nxt = {dest for d in frontier for n in deps[d] or () for dest in by_name.get(_key(n), ())}
        frontier = nxt - pool - drop
        pool |= frontier
    while True:
        still = {_key(n) for dest, d in deps.items() if dest not in drop for n in d or ()}
        orphans = {c for c in pool - drop if _key(PurePath(c).name) not in still}
        if not orphans:
            break
        drop |= orphans

    gone = {PurePath(d).as_posix() for d in drop}

    def keep(e: Entry) -> bool:
        if unwanted(e[0], variant, languages) or PurePath(e[0]).as_posix() in gone:
            return False
        return e[2] != "SYMLINK" or PurePath(e[1]).as_posix() not in gone  # no link left dangling

    kept_datas = [e for e in datas if keep(e)]
    dropped = sorted(drop | {e[0] for e in datas if not keep(e)})
    return [e for e in binaries if keep(e)], kept_datas, dropped


# Fortran runtimes that several wheels vendor under their own hashed names (auditwheel):
# libgfortran-<hash>.so.5 in numpy.libs and in opencv_python_headless.libs.
SHAREABLE = re.compile(r"^(libgfortran)-[0-9a-f]{8}(-[0-9a-f]{8})?\.so\.5(\.\d+)*$")


def _dynamic_symbols(path: Path, defined: bool) -> set[str] | None:
    """Names from `nm -D` (defined or undefined ones, versions cut off); None without nm."""
    tool = shutil.which("nm")
    if tool is None:
        return None
    out = subprocess.run([tool, "-D", "--defined-only" if defined else "--undefined-only", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def share_vendored_runtimes(internal: Path) -> list[str]:
    """One libgfortran.so.5 for the whole bundle instead of one per wheel (8 MiB plus its
    libquadmath): each other copy becomes a symlink to the kept one, but only when the kept
    copy defines every symbol that the libraries loading the other copy use (checked with
    `nm`), so nothing can go unresolved. A copy's own dependencies that nothing else needs
    go too. Linux only; returns the bundle paths replaced or removed (not the links added)."""
    copies = sorted((p for p in internal.glob("*.libs/*") if SHAREABLE.match(p.name) and not p.is_symlink()),
                    key=lambda p: p.stat().st_size)
    if len(copies) < 2:
        return []
    deps = {p: elf_needed(p) for p in internal.rglob("*") if p.is_file() and not p.is_symlink()}
    elves = {p: d for p, d in deps.items() if d is not None}

    def users(lib: Path) -> list[Path]:
        return [e for e, d in elves.items() if e != lib and lib.name in d]

    keep, changed = None, []
    for cand in copies:  # the smallest copy that serves every user of the others
        have = _dynamic_symbols(cand, defined=True)
        if have is None:
            return []
        wanted: set[str] = set()
        for other in copies:
            if other != cand:
                for user in users(other):
                    wanted |= (_dynamic_symbols(user, defined=False) or set()) & _dynamic_symbols(other, defined=True)
        if wanted <= have:
            keep = cand
            break
    if keep is None:
        return []
    for other in copies:
        if other == keep:
            continue
        own_deps = elves.pop(other)
        other.unlink()
        other.symlink_to(os.path.relpath(keep, other.parent))
        changed.append(other.relative_to(internal).as_posix())
        # The loader looks for the kept copy's own dependencies ($ORIGIN) in the folder it was
        # reached from (links are not followed for that), whichever wheel is imported first.
        for dep in elves[keep]:
            if (keep.parent / dep).exists() and not (other.parent / dep).exists():
                (other.parent / dep).symlink_to(os.path.relpath(keep.parent / dep, other.parent))
        for dep in own_deps:  # e.g. the libquadmath only that copy needed
            for lib in other.parent.glob(dep):
                if not lib.is_symlink() and not users(lib):
                    lib.unlink()
                    elves.pop(lib)
                    changed.append(lib.relative_to(internal).as_posix())
                    for link in internal.iterdir():  # PyInstaller's top-level link to it
                        if link.is_symlink() and not link.exists():
                            link.unlink()
    return changed


def _has_strippable_sections(path: Path) -> bool:
    """An ELF file with .debug_* sections or a static symbol table (.symtab): both are for
    debuggers and linkers only; the loader uses the dynamic symbol table, which stays."""
    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return False
        f.seek(0)
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if data[4] != 2:
        return False
    end = "<" if data[5] == 1 else ">"
    shoff, = struct.unpack_from(end + "Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x3A)
    if not shoff or shstrndx >= shnum:
        return False
    names_at = struct.unpack_from(end + "Q", data, shoff + shstrndx * shentsize + 0x18)[0]
    for i in range(shnum):
        name_off = struct.unpack_from(end + "I", data, shoff + i * shentsize)[0]
        name = data[names_at + name_off:names_at + name_off + 8]
        if name.startswith(b".debug_") or name == b".symtab\0":
            return True
    return False


def strip_debug(folder: Path) -> int:
    """Remove debug sections and static symbol tables (`strip --strip-unneeded`) from the
    bundle's ELF files that carry them (libpython alone has 16 MiB of debug data); code and
    the dynamic symbols the loader and LD_BIND_NOW resolve stay. Libraries that auditwheel
    vendored into *.libs folders are left as they are (patched by patchelf, not worth the
    risk). Returns the bytes saved; nothing happens where `strip` is missing."""
    tool = shutil.which("strip")
    if tool is None:
        log.warning("no strip tool: debug sections stay in the bundle")
        return 0
    saved = 0
    for p in sorted(folder.rglob("*")):
        if p.is_symlink() or not p.is_file() or any(part.endswith(".libs") for part in p.parts):
            continue
        if not _has_strippable_sections(p):
            continue
        before = p.stat().st_size
        subprocess.run([tool, "--strip-unneeded", str(p)], check=True)
        saved += before - p.stat().st_size
    return saved


def disk_usage(path: Path) -> int:
    """Bytes the folder takes on disk, as `du` counts them: allocated blocks, each file once
    (a symlink is its own few bytes, never its target again; hard links once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for p in [path, *path.rglob("*")]:
        st = p.lstat()
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        total += st.st_blocks * 512 if hasattr(st, "st_blocks") else st.st_size
    return total


def largest_parts(dist: Path, n: int = 10) -> list[tuple[str, int]]:
    """The n biggest top-level parts (entries of _internal/, and the executables) by disk use."""
    internal = dist / "_internal"
    parts = [p for p in dist.iterdir() if p.name != "_internal"]
    if internal.is_dir():
        parts += list(internal.iterdir())
    sizes = [(p.relative_to(dist).as_posix(), disk_usage(p) if p.is_dir() and not p.is_symlink()
              else (p.lstat().st_blocks * 512 if hasattr(p.lstat(), "st_blocks") else p.lstat().st_size))
             for p in parts]
    return sorted(sizes, key=lambda s: -s[1])[:n]
