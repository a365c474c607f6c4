"""Write a WiX fragment listing every file of the PyInstaller bundle (what ``heat dir`` does, but stable).

    python installers/windows/harvest.py BUNDLE_DIR OUT.wxs [--exclude onduty-agent.exe]

Component GUIDs and ids derive from each file's path inside the bundle (uuid5), so an upgrade sees
the same component for the same file. The same script feeds WiX on Windows and ``wixl`` in the test.
Files land under the directory ``INSTALLDIR``; the fragment's component group is ``BundleFiles``.
"""

from __future__ import annotations

import argparse
import hashlib
import uuid
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import quoteattr

NAMESPACE = uuid.UUID("5b0e1d86-2f5c-4d1e-9d1b-6f3f5a0c0d11")


def _id(kind: str, rel: str) -> str:
    return f"{kind}_{hashlib.sha1(rel.encode()).hexdigest()[:24]}"


def fragment(bundle: Path, exclude: set[str], source: str) -> str:
    files = sorted(p for p in bundle.rglob("*") if p.is_file())
    rels = [PurePosixPath(p.relative_to(bundle).as_posix()) for p in files]
    rels = [r for r in rels if str(r) not in exclude]
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">',
             "  <Fragment>", '    <DirectoryRef Id="INSTALLDIR">']
    tree: dict[PurePosixPath, list[PurePosixPath]] = {}
    for rel in rels:
        tree.setdefault(rel.parent, []).append(rel)

    def emit(folder: PurePosixPath, depth: int) -> None:
        pad = "  " * depth
        for rel in tree.get(folder, []):
            src = f"{source}/{rel}"
            guid = uuid.uuid5(NAMESPACE, str(rel)).hex.upper()
            guid = f"{guid[:8]}-{guid[8:12]}-{guid[12:16]}-{guid[16:20]}-{guid[20:]}"
            lines.append(f'{pad}<Component Id="{_id("c", str(rel))}" Guid="{guid}" Win64="yes">')
            lines.append(f'{pad}  <File Id="{_id("f", str(rel))}" Name={quoteattr(rel.name)} '
                         f'Source={quoteattr(src)} KeyPath="yes"/>')
            lines.append(f"{pad}</Component>")
        subfolders = sorted({p for p in tree if p.parent == folder and p != folder}
                            | {p for r in tree for p in r.parents if p.parent == folder and p != folder})
        for sub in subfolders:
            lines.append(f'{pad}<Directory Id="{_id("d", str(sub))}" Name={quoteattr(sub.name)}>')
            emit(sub, depth + 1)
            lines.append(f"{pad}</Directory>")

    emit(PurePosixPath("."), 3)
    lines += ["    </DirectoryRef>", "  </Fragment>", "  <Fragment>", '    <ComponentGroup Id="BundleFiles">']
    lines += [f'      <ComponentRef Id="{_id("c", str(rel))}"/>' for rel in rels]
    lines += ["    </ComponentGroup>", "  </Fragment>", "</Wix>", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--source", default="$(var.BundleDir)",
                        help="how Source attributes start (default: $(var.BundleDir), set with -dBundleDir=...)")
    parser.add_argument("--exclude", action="append", default=[], help="a path inside the bundle to leave out")
    args = parser.parse_args()
    args.out.write_text(fragment(args.bundle.resolve(), set(args.exclude), args.source), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
