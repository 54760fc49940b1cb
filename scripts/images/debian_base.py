"""The Debian bookworm minbase root filesystem every local image starts from (`FROM ${BASE}`).

Built once with `debootstrap --variant=minbase` from the Debian mirror the host's apt already uses, and cached
under the images cache keyed by suite, mirror and this file's content.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import subprocess
import time

SUITE = "bookworm"
LOCAL_BASE_REF = "chart-testware.local/debian:bookworm-minbase"


class MirrorNotFoundError(Exception):
    pass


def _source_entries() -> list[tuple[str, list[str]]]:
    """(uri, suites) of every `deb` entry in /etc/apt/sources.list and sources.list.d (one-line and deb822)."""
    entries: list[tuple[str, list[str]]] = []
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list"))]:
        if not os.path.exists(path):
            continue
        for line in open(path, encoding="utf-8", errors="replace"):
            line = re.sub(r"\[[^]]*\]", " ", line.split("#", 1)[0]).split()
            if len(line) >= 3 and line[0] == "deb":
                entries.append((line[1], [line[2]]))
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        text = open(path, encoding="utf-8", errors="replace").read()
        for stanza in re.split(r"\n\s*\n", text):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line or line[0].isspace():
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
            if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
                for uri in fields.get("uris", "").split():
                    entries.append((uri, fields.get("suites", "").split()))
    return entries


def mirrors() -> tuple[str, str | None]:
    """(debian archive URI, debian-security URI or None), from the host's apt configuration.

    CT_DEBIAN_MIRROR overrides the archive URI (e.g. a local apt proxy)."""
    override = os.environ.get("CT_DEBIAN_MIRROR")
    entries = _source_entries()
    archive = override
    security = None
    for uri, suites in entries:
        if archive is None and SUITE in suites:
            archive = uri
        if security is None and f"{SUITE}-security" in suites:
            security = uri
    if archive is None:  # host on another release: reuse its Debian archive host for bookworm
        for uri, _ in entries:
            if uri.rstrip("/").endswith("/debian"):
                archive = uri
                break
    if security is None:
        for uri, _ in entries:
            if uri.rstrip("/").endswith("/debian-security"):
                security = uri
                break
    if archive is None:
        raise MirrorNotFoundError(
            "no Debian archive found in /etc/apt/sources.list*; set CT_DEBIAN_MIRROR to the Debian mirror URI "
            "apt should use (e.g. http://deb.debian.org/debian)"
        )
    return archive.rstrip("/"), security.rstrip("/") if security else None


def sources_list(archive: str, security: str | None) -> str:
    lines = [f"deb {archive} {SUITE} main", f"deb {archive} {SUITE}-updates main"]
    if security:
        lines.append(f"deb {security} {SUITE}-security main")
    return "\n".join(lines) + "\n"


def base_key() -> str:
    archive, security = mirrors()
    h = hashlib.sha256()
    h.update(f"{SUITE}\n{archive}\n{security}\n".encode())
    h.update(open(__file__, "rb").read())
    return h.hexdigest()[:16]


def ensure_base(cache_dir: str, log) -> str:
    """Path of a ready minbase rootfs; builds it when missing."""
    key = base_key()
    root = os.path.join(cache_dir, "base", f"{SUITE}-minbase-{key}")
    rootfs = os.path.join(root, "rootfs")
    if os.path.exists(os.path.join(root, "complete")):
        return rootfs
    if shutil.which("debootstrap") is None:
        raise MirrorNotFoundError("debootstrap is not installed (scripts/images.sh installs it with apt-get)")
    archive, security = mirrors()
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    started = time.monotonic()
    log(f"base: debootstrap --variant=minbase {SUITE} from {archive} (about 30 s)")
    result = subprocess.run(
        ["debootstrap", "--variant=minbase", SUITE, rootfs, archive],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-20:])
        debootstrap_log = os.path.join(rootfs, "debootstrap", "debootstrap.log")
        raise RuntimeError(
            f"debootstrap of {SUITE} from {archive} failed (exit {result.returncode}); last output:\n{tail}\n"
            f"full log: {debootstrap_log}. Check that apt on the host can reach {archive}."
        )
    with open(os.path.join(rootfs, "etc/apt/sources.list"), "w") as f:
        f.write(sources_list(archive, security))
    # Device nodes, caches and host identity do not belong in an image; runtimes provide /dev and resolv.conf.
    empty_runtime_dirs(rootfs)
    for name in ("etc/resolv.conf", "etc/hostname"):
        path = os.path.join(rootfs, name)
        if os.path.lexists(path):
            os.unlink(path)
        open(path, "w").close()
    subprocess.run(["chroot", rootfs, "apt-get", "clean"], check=True)
    for path in glob.glob(os.path.join(rootfs, "var/lib/apt/lists/*")):
        if os.path.isfile(path):
            os.unlink(path)
    open(os.path.join(root, "complete"), "w").write(f"{time.monotonic() - started:.1f}\n")
    log(f"base: ready in {time.monotonic() - started:.1f} s")
    return rootfs


def empty_runtime_dirs(rootfs: str) -> None:
    """Empties /dev, /proc, /sys and /tmp of a rootfs: what runtimes mount or generate must not come from the image."""
    for sub in ("dev", "proc", "sys", "tmp"):
        for entry in glob.glob(os.path.join(rootfs, sub, "*")) + glob.glob(os.path.join(rootfs, sub, ".*")):
            if os.path.isdir(entry) and not os.path.islink(entry):
                shutil.rmtree(entry)
            else:
                os.unlink(entry)
