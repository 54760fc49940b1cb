"""The cache key of an image: a hash over everything its build reads.

That is the image's own directory, the build-context files its COPY instructions read, the builder's code and the
base rootfs key. File digests are memoised by (path, size, mtime) so an unchanged tree hashes in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import os

from containerfile import Containerfile


class FileDigests:
    def __init__(self, memo_path: str) -> None:
        self.memo_path = memo_path
        self.changed = False
        try:
            with open(memo_path, encoding="utf-8") as f:
                self.memo: dict[str, list] = json.load(f)
        except (OSError, ValueError):
            self.memo = {}

    def digest(self, path: str) -> str:
        st = os.stat(path)
        stamp = [st.st_size, st.st_mtime_ns]
        cached = self.memo.get(path)
        if cached and cached[:2] == stamp:
            return cached[2]
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        self.memo[path] = [*stamp, h.hexdigest()]
        self.changed = True
        return h.hexdigest()

    def save(self) -> None:
        if self.changed:
            os.makedirs(os.path.dirname(self.memo_path), exist_ok=True)
            tmp = self.memo_path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.memo, f)
            os.replace(tmp, self.memo_path)


def _files(path: str) -> list[str]:
    if os.path.isdir(path):
        out = []
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames.sort()
            out.extend(os.path.join(dirpath, n) for n in sorted(filenames))
        return out
    return [path] if os.path.exists(path) else []


def definition_hash(
    name: str,
    tag: str,
    image_dir: str,
    cf: Containerfile,
    context: str,
    builder_dir: str,
    base_key: str,
    build_args: dict[str, str],
    digests: FileDigests,
) -> str:
    h = hashlib.sha256()
    h.update(f"name={name}\ntag={tag}\nbase={base_key}\n".encode())
    paths = _files(image_dir)
    # The builder code that shapes an image's content (debian_base.py is part of the base key).
    paths += [os.path.join(builder_dir, f) for f in ("archive.py", "cli.py", "containerfile.py", "rootfs_build.py")]
    for src in cf.copy_sources(build_args):
        found = _files(os.path.join(context, src))
        paths += found
        if not found:
            h.update(f"missing:{src}\n".encode())
    for path in paths:
        rel = os.path.relpath(path, context)
        executable = os.access(path, os.X_OK)
        h.update(f"{rel}\x00{int(executable)}\x00{digests.digest(path)}\n".encode())
    return h.hexdigest()[:16]
