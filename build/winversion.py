"""Windows version resource for the .exe files (Explorer's Properties > Details tab).

faceapp.spec writes this text to a file and passes the path as EXE(version=...); PyInstaller
parses it on Windows (its versioninfo module imports win32api, so it cannot be built on
Linux). The text is the Python expression PyInstaller's own `pyi-grab_version` writes,
and tests/build/test_packaging_scripts.py checks it parses and carries the right numbers.
"""

from __future__ import annotations

import re


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """'0.1.0' or '1.2.3rc1' -> (0, 1, 0, 0) / (1, 2, 3, 1): Windows wants four numbers."""
    nums = [int(n) for n in re.findall(r"\d+", version.split("+")[0])[:4]]
    return tuple((nums + [0, 0, 0, 0])[:4])  # type: ignore[return-value]


def version_text(name: str, version: str, description: str, exe_name: str) -> str:
    nums = version_tuple(version)
    strings = {"CompanyName": name, "FileDescription": description, "FileVersion": version, "InternalName": name,
               "OriginalFilename": exe_name, "ProductName": name, "ProductVersion": version}
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={nums}, prodvers={nums}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
{table}
    ])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
