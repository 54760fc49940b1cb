"""chart-testware local images: build, import, ensure, list (called by scripts/images.sh).

An image is a directory images/<name>/ holding a Containerfile and an image.conf with `TAG=<version>`; its
reference is chart-testware.local/<name>:<TAG>. Tarballs are cached under the images cache keyed by the
definition hash; containerd (namespace k8s.io) gets them with `ctr images import`.
"""

from __future__ import annotations

import argparse
import fcntl
import glob
import json
import os
import shutil
import subprocess
import sys
import time

import containerfile
from containerd_images import ContainerdImages, ContainerdUnavailableError
from debian_base import LOCAL_BASE_REF, base_key, ensure_base
from definition_hash import FileDigests, definition_hash
from rootfs_build import build_rootfs

REGISTRY = "chart-testware.local"
BUILDER_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(BUILDER_DIR))
IMAGES_DIR = os.environ.get("CT_IMAGES_DIR") or os.path.join(REPO, "images")
# The same cache root as scripts/cluster/common.sh and testsupport/helm/cache-dir.ts.
CACHE = os.environ.get("CT_IMAGES_CACHE") or os.path.join(
    os.environ.get("CHART_TESTWARE_CACHE_DIR")
    or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "chart-testware"),
    "images",
)
BUILD_ARGS = {"BASE": LOCAL_BASE_REF}


def log(message: str) -> None:
    print(f"images: {message}", file=sys.stderr, flush=True)


class ImageDefinitionError(Exception):
    pass


class Image:
    def __init__(self, name: str) -> None:
        self.name = name
        self.dir = os.path.join(IMAGES_DIR, name)
        conf = os.path.join(self.dir, "image.conf")
        values: dict[str, str] = {}
        for line in open(conf, encoding="utf-8"):
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip().strip('"')
        if not values.get("TAG") or values["TAG"] == "latest":
            raise ImageDefinitionError(f"{conf}: TAG must be an explicit version (never latest)")
        self.tag = values["TAG"]
        self.ref = f"{REGISTRY}/{name}:{self.tag}"
        self.containerfile = containerfile.parse(os.path.join(self.dir, "Containerfile"))
        self._hash: str | None = None

    def hash(self, digests: FileDigests, key: str) -> str:
        if self._hash is None:
            self._hash = definition_hash(
                self.name, self.tag, self.dir, self.containerfile, REPO, BUILDER_DIR, key, BUILD_ARGS, digests
            )
        return self._hash

    def tar_path(self, h: str) -> str:
        return os.path.join(CACHE, "tar", f"{self.name}-{self.tag}-{h}.tar")


def discover(names: list[str]) -> list[Image]:
    available = sorted(
        os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(IMAGES_DIR, "*", "image.conf"))
    )
    for name in names:
        if name not in available:
            raise ImageDefinitionError(
                f"no image definition images/{name}/ (with image.conf); known: {', '.join(available)}"
            )
    return [Image(n) for n in (names or available)]


def archive_writer() -> str:
    path = os.path.join(BUILDER_DIR, "archive.py")
    if not os.path.exists(path):
        raise ImageDefinitionError(f"{path} (the docker-archive writer) is missing")
    return path


def build(image: Image, h: str) -> dict:
    started = time.monotonic()
    base = ensure_base(CACHE, log)
    base_seconds = time.monotonic() - started
    work = os.path.join(CACHE, "work", image.name)
    rootfs = os.path.join(work, "rootfs")
    os.makedirs(work, exist_ok=True)
    log(f"{image.name}: building {image.ref} (definition {h})")
    config = build_rootfs(
        image.containerfile, REPO, base, rootfs, BUILD_ARGS, os.path.join(work, "build.log"), log
    )
    argv = [sys.executable, archive_writer(), "--rootfs", rootfs, "--tag", image.ref]
    if config.entrypoint is not None:
        argv += ["--entrypoint", json.dumps(config.entrypoint)]
    if config.cmd is not None:
        argv += ["--cmd", json.dumps(config.cmd)]
    for key, value in config.env:
        argv += ["--env", f"{key}={value}"]
    if config.user:
        argv += ["--user", config.user]
    if config.workdir:
        argv += ["--workdir", config.workdir]
    for key, value in [*config.labels, ("dev.chart-testware.definition", h)]:
        argv += ["--label", f"{key}={value}"]
    out = image.tar_path(h)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".partial"
    result = subprocess.run([*argv, "--out", tmp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if result.returncode != 0:
        raise ImageDefinitionError(f"{image.name}: archive.py failed (exit {result.returncode}):\n{result.stdout}")
    os.replace(tmp, out)
    for old in glob.glob(os.path.join(CACHE, "tar", f"{image.name}-*.tar")):
        if old != out:
            os.unlink(old)
    if not os.environ.get("CT_KEEP_ROOTFS"):
        shutil.rmtree(rootfs)
    meta = {
        "ref": image.ref,
        "hash": h,
        "seconds": round(time.monotonic() - started - base_seconds, 1),
        "baseSeconds": round(base_seconds, 1),
        "bytes": os.path.getsize(out),
    }
    with open(out + ".json", "w") as f:
        json.dump(meta, f)
    for old in glob.glob(os.path.join(CACHE, "tar", f"{image.name}-*.tar.json")):
        if old != out + ".json":
            os.unlink(old)
    log(f"{image.name}: built in {meta['seconds']} s, {meta['bytes'] / 2**20:.0f} MiB -> {out}")
    return meta


class ImportState:
    """What this builder imported last: ref -> {hash, digest}, to tell a current image from a stale one."""

    def __init__(self) -> None:
        self.path = os.path.join(CACHE, "imported.json")
        try:
            with open(self.path, encoding="utf-8") as f:
                self.data: dict[str, dict] = json.load(f)
        except (OSError, ValueError):
            self.data = {}

    def record(self, ref: str, h: str, digest: str) -> None:
        self.data[ref] = {"hash": h, "digest": digest}
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.data, f, indent=1)
        os.replace(tmp, self.path)

    def current(self, ref: str, h: str, present: dict[str, str]) -> bool:
        entry = self.data.get(ref)
        return bool(entry) and entry["hash"] == h and present.get(ref) == entry["digest"]


def import_image(ctr: ContainerdImages, state: ImportState, image: Image, h: str) -> None:
    started = time.monotonic()
    digest = ctr.import_archive(image.tar_path(h), image.ref)
    state.record(image.ref, h, digest)
    log(f"{image.name}: imported {image.ref} ({digest[:19]}) in {time.monotonic() - started:.1f} s")


def missing_sources(image: Image) -> list[str]:
    """The build-context files its COPY instructions read that are not there."""
    return [src for src in image.containerfile.copy_sources(BUILD_ARGS) if not os.path.exists(os.path.join(REPO, src))]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/images.sh")
    parser.add_argument("command", choices=["build", "import", "ensure", "list", "refs"])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--force", action="store_true", help="build: rebuild even when the cached tar is current")
    args = parser.parse_args(argv)
    os.makedirs(CACHE, exist_ok=True)
    images = discover(args.names)
    if args.command == "refs":
        for image in images:
            print(image.ref)
        return 0
    with open(os.path.join(CACHE, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digests = FileDigests(os.path.join(CACHE, "file-digests.json"))
        key = base_key()
        hashes = {image.name: image.hash(digests, key) for image in images}
        digests.save()
        if args.command == "list":
            return list_images(images, hashes)
        state = ImportState()
        if args.command == "build":
            for image in images:
                if args.force or not os.path.exists(image.tar_path(hashes[image.name])):
                    build(image, hashes[image.name])
                else:
                    log(f"{image.name}: {image.ref} is current ({hashes[image.name]}); --force rebuilds")
            return 0
        ctr = ContainerdImages()
        present = ctr.present()
        changed = 0
        for image in images:
            h = hashes[image.name]
            missing = missing_sources(image)
            if args.command == "ensure" and not args.names and missing:
                # e.g. chart-testware installed as a package: the echo-server image needs the Node binary of the
                # `node` npm package, which a consumer installs only if it wants that image.
                log(f"{image.name}: skipped: its build needs {', '.join(missing)}, which is not in {REPO}")
                continue
            if not os.path.exists(image.tar_path(h)):
                if args.command == "import":
                    raise ImageDefinitionError(f"{image.name}: not built yet (run: bash scripts/images.sh build {image.name})")
                build(image, h)
            if args.command == "import" or not state.current(image.ref, h, present):
                import_image(ctr, state, image, h)
                changed += 1
        if changed == 0:
            log(f"{len(images)} images current in containerd ({', '.join(i.name for i in images)})")
        return 0


def list_images(images: list[Image], hashes: dict[str, str]) -> int:
    try:
        present = ContainerdImages().present()
    except ContainerdUnavailableError:
        present = None
    state = ImportState()
    print(f"{'NAME':<12} {'REF':<46} {'DEFINITION':<17} {'BUILT':<10} {'IMPORTED'}")
    for image in images:
        h = hashes[image.name]
        tar = image.tar_path(h)
        built = f"{os.path.getsize(tar) / 2**20:.0f}MiB" if os.path.exists(tar) else "no"
        if present is None:
            imported = "containerd unreachable"
        elif state.current(image.ref, h, present):
            imported = "current"
        elif image.ref in present:
            imported = "stale"
        else:
            imported = "no"
        print(f"{image.name:<12} {image.ref:<46} {h:<17} {built:<10} {imported}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (ImageDefinitionError, ContainerdUnavailableError, containerfile.ContainerfileError) as e:
        log(f"error: {e}")
        sys.exit(1)
    except Exception as e:  # builder failures carry file/line/log in their message
        if type(e).__name__ in ("BuildStepError", "MirrorNotFoundError", "RuntimeError"):
            log(f"error: {e}")
            sys.exit(1)
        raise
