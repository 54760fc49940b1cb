#!/usr/bin/env python3
"""Turn a root file system tree into a docker-archive tarball, or import such a tarball into containerd.

  archive.py --rootfs DIR --tag REF --out FILE.tar [--entrypoint JSON] [--cmd JSON] [--env K=V]...
             [--user U] [--workdir D] [--label K=V]... [--created ISO8601]
  archive.py --import FILE.tar [--address SOCKET]

The archive holds manifest.json (with RepoTags), one image config JSON (rootfs.diff_ids) and one uncompressed
layer.tar: the format `docker load` and `ctr images import` read. Files keep their numeric uid/gid, modes, link
targets, hard links and extended attributes (file capabilities); the contents of /proc, /sys, /dev and /tmp are
left out (the directories themselves stay). Importing puts the image into containerd's k8s.io namespace, the one
the kubelet uses, so pods can run it with imagePullPolicy Never or IfNotPresent.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

TAGGED_REF = re.compile(r"^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]|__|-+)?[a-z0-9]*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
EMPTIED_DIRS = ("proc", "sys", "dev", "tmp")
NAMESPACE = "k8s.io"


class ArchiveError(Exception):
    pass


class HashingWriter(io.RawIOBase):
    """A write-only file that hashes what passes through it."""

    def __init__(self, f) -> None:
        self.f = f
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.sha.update(b)
        self.size += len(b)
        return self.f.write(b)


def key_value(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key, value


def json_list(text: str) -> list[str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"not JSON ({e}): {text!r}") from e
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise argparse.ArgumentTypeError(f"expected a JSON list of strings, got {text!r}")
    return value


def tar_info(tar: tarfile.TarFile, path: str, name: str) -> tarfile.TarInfo | None:
    info = tar.gettarinfo(path, arcname=name)
    if info is None:  # sockets: nothing an image can carry
        return None
    info.uname = ""  # numeric ids only: names would be mapped through the importing host's passwd
    info.gname = ""
    try:
        attrs = os.listxattr(path, follow_symlinks=False)
    except OSError:
        attrs = []
    headers = {}
    for attr in attrs:
        if attr.startswith(("security.", "user.", "trusted.")) and attr != "security.selinux":
            try:
                value = os.getxattr(path, attr, follow_symlinks=False)
            except OSError:
                continue
            headers["SCHILY.xattr." + attr] = value.decode("latin-1")
    if headers:
        info.pax_headers = headers
    return info


def write_layer(rootfs: str, out) -> None:
    """Write the tree under rootfs as an uncompressed tar, in sorted order (same tree, same bytes)."""
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tar:
        for dirpath, dirnames, filenames in os.walk(rootfs):
            dirnames.sort()
            rel = os.path.relpath(dirpath, rootfs)
            if rel != ".":
                info = tar_info(tar, dirpath, rel)
                if info is not None:
                    tar.addfile(info)
            if rel in EMPTIED_DIRS:
                dirnames[:] = []
                continue
            # os.walk lists symlinks to directories among dirnames; they go in as links, not followed
            links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
            dirnames[:] = [d for d in dirnames if d not in links]
            for name in sorted(filenames + links):
                path = os.path.join(dirpath, name)
                arc = os.path.normpath(os.path.join(rel, name))
                info = tar_info(tar, path, arc)
                if info is None:
                    continue
                if info.isreg():
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                else:
                    tar.addfile(info)


def image_config(args, diff_id: str) -> dict:
    config: dict = {}
    env = [f"{k}={v}" for k, v in args.env]
    if not any(k == "PATH" for k, _ in args.env):
        env.insert(0, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    config["Env"] = env
    if args.entrypoint is not None:
        config["Entrypoint"] = args.entrypoint
    if args.cmd is not None:
        config["Cmd"] = args.cmd
    if args.user:
        config["User"] = args.user
    if args.workdir:
        config["WorkingDir"] = args.workdir
    if args.label:
        config["Labels"] = dict(args.label)
    return {
        "architecture": "amd64",
        "os": "linux",
        "created": args.created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": args.created, "created_by": "chart-testware scripts/images/archive.py"}],
    }


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = mtime
    tar.addfile(info, io.BytesIO(data))


def build_archive(args) -> None:
    rootfs = os.path.abspath(args.rootfs)
    if not os.path.isdir(rootfs):
        raise ArchiveError(f"--rootfs {rootfs} is not a directory")
    if not TAGGED_REF.match(args.tag) or args.tag.endswith(":latest"):
        raise ArchiveError(
            f"--tag {args.tag!r}: give a reference with an explicit tag that is not 'latest' (e.g. name:1.0-ct1)"
        )
    out = os.path.abspath(args.out)
    out_dir = os.path.dirname(out)
    os.makedirs(out_dir, exist_ok=True)
    mtime = int(time.time())
    with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".layer-", suffix=".tar") as layer:
        hashing = HashingWriter(layer)
        write_layer(rootfs, hashing)
        layer.flush()
        diff_id = "sha256:" + hashing.sha.hexdigest()
        config = json.dumps(image_config(args, diff_id), sort_keys=True, separators=(",", ":")).encode()
        config_name = hashlib.sha256(config).hexdigest() + ".json"
        layer_name = hashing.sha.hexdigest() + "/layer.tar"
        manifest = [{"Config": config_name, "RepoTags": [args.tag], "Layers": [layer_name]}]
        repo, tag = args.tag.rsplit(":", 1)
        repositories = {repo: {tag: hashing.sha.hexdigest()}}
        tmp_out = out + ".tmp"
        with tarfile.open(tmp_out, "w", format=tarfile.PAX_FORMAT) as tar:
            dir_info = tarfile.TarInfo(hashing.sha.hexdigest())
            dir_info.type = tarfile.DIRTYPE
            dir_info.mode = 0o755
            dir_info.mtime = mtime
            tar.addfile(dir_info)
            info = tarfile.TarInfo(layer_name)
            info.size = hashing.size
            info.mode = 0o644
            info.mtime = mtime
            layer.seek(0)
            tar.addfile(info, layer)
            add_bytes(tar, config_name, config, mtime)
            add_bytes(tar, "manifest.json", json.dumps(manifest).encode(), mtime)
            add_bytes(tar, "repositories", json.dumps(repositories).encode(), mtime)
        os.replace(tmp_out, out)
    print(f"{out}: {args.tag}, layer {hashing.size // 1024} KiB, diff_id {diff_id}")


def containerd_address(explicit: str | None) -> str:
    return (
        explicit
        or os.environ.get("CT_CONTAINERD_ADDRESS")
        or os.environ.get("CONTAINERD_ADDRESS")
        or "/run/containerd/containerd.sock"
    )


def import_archive(path: str, address: str) -> None:
    if not os.path.isfile(path):
        raise ArchiveError(f"--import {path}: no such file")
    if shutil.which("ctr") is None:
        raise ArchiveError("ctr (containerd's client) is not installed: `npm run cluster:up` installs containerd")
    if not os.path.exists(address):
        raise ArchiveError(f"containerd is not running (no socket {address}): start it with `npm run cluster:up`")
    with tarfile.open(path) as tar:
        tags = json.load(tar.extractfile("manifest.json"))[0].get("RepoTags", [])
    argv = ["ctr", "--address", address, "--namespace", NAMESPACE, "images", "import", path]
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if result.returncode != 0:
        raise ArchiveError(f"`{' '.join(argv)}` failed (exit {result.returncode}): {result.stdout.strip()[-2000:]}")
    print(f"imported {', '.join(tags)} into containerd namespace {NAMESPACE}")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--import", dest="import_path", metavar="FILE.tar", help="import a docker-archive into containerd")
    p.add_argument("--address", help="containerd socket (default $CT_CONTAINERD_ADDRESS or /run/containerd/...)")
    p.add_argument("--rootfs", help="root file system tree of the image")
    p.add_argument("--tag", help="image reference, e.g. chart-testware.local/pause:3.10-ct1")
    p.add_argument("--out", help="docker-archive tarball to write")
    p.add_argument("--entrypoint", type=json_list, help='JSON list, e.g. ["/pause"]')
    p.add_argument("--cmd", type=json_list, help='JSON list, e.g. ["sh"]')
    p.add_argument("--env", type=key_value, action="append", default=[], metavar="K=V")
    p.add_argument("--user")
    p.add_argument("--workdir")
    p.add_argument("--label", type=key_value, action="append", default=[], metavar="K=V")
    p.add_argument("--created", default="1970-01-01T00:00:00Z", help="creation time in the config (reproducible)")
    args = p.parse_args(argv)
    try:
        if args.import_path:
            import_archive(args.import_path, containerd_address(args.address))
        elif args.rootfs and args.tag and args.out:
            build_archive(args)
        else:
            p.error("give --rootfs, --tag and --out, or --import FILE.tar")
    except (ArchiveError, OSError, tarfile.TarError) as e:
        print(f"archive.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
