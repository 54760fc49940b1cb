"""Apply a Containerfile to a copy of the Debian minbase rootfs, with no container daemon.

RUN steps execute in a chroot inside a private mount namespace (`unshare --mount`): /proc, /dev and the host's
resolv.conf are mounted only for that process tree and vanish with it, so an interrupted build leaves no mounts.
Files keep their numeric uid/gid (cp -a as root), which the image layer then preserves.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field

from containerfile import (
    Containerfile,
    ContainerfileError,
    json_or_shell,
    key_values,
    parse_copy,
    split_arg,
    substitute,
)
from debian_base import LOCAL_BASE_REF, empty_runtime_dirs

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

_RUN_WRAPPER = r"""
set -e
R=$1; WD=$2; shift 2
mount -t proc proc "$R/proc"
mount --bind /dev "$R/dev"
[ -e "$R/etc/resolv.conf" ] || : > "$R/etc/resolv.conf"
mount --bind /etc/resolv.conf "$R/etc/resolv.conf"
exec chroot "$R" /bin/sh -c 'mkdir -p "$0" && cd "$0" && exec "$@"' "$WD" "$@"
"""


class BuildStepError(Exception):
    pass


@dataclass
class ImageConfig:
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    env: list[tuple[str, str]] = field(default_factory=lambda: [("PATH", DEFAULT_PATH)])
    user: str | None = None
    workdir: str | None = None
    labels: list[tuple[str, str]] = field(default_factory=list)
    exposed: list[str] = field(default_factory=list)

    def set_env(self, key: str, value: str) -> None:
        self.env = [(k, v) for k, v in self.env if k != key] + [(key, value)]


def inside(root: str, path: str) -> str:
    """Host path of `path` as seen from inside `root`, following symlinks without ever leaving root."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    resolved: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        if os.path.islink(candidate):
            hops += 1
            if hops > 40:
                raise BuildStepError(f"too many symlinks resolving {path} in the image")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        resolved.append(part)
    return os.path.join(root, *resolved)


def _ids(root: str, spec: str) -> tuple[int, int]:
    """uid/gid from `user[:group]`, numeric or names looked up in the image's own passwd/group."""
    user, _, group = spec.partition(":")

    def lookup(name: str, table: str, column_for_gid: bool = False) -> int:
        if name.isdigit():
            return int(name)
        for line in open(os.path.join(root, "etc", table), encoding="utf-8"):
            fields = line.rstrip("\n").split(":")
            if fields[0] == name:
                return int(fields[3] if column_for_gid else fields[2])
        raise BuildStepError(f"COPY --chown: no {table} entry {name!r} in the image")

    uid = lookup(user, "passwd")
    gid = lookup(group, "group") if group else lookup(user, "passwd", column_for_gid=True)
    return uid, gid


def _copy(root: str, context: str, flags: dict[str, str], sources: list[str], dest: str, workdir: str) -> None:
    if not dest.startswith("/"):
        dest = os.path.join(workdir, dest)
    dest_is_dir = dest.endswith("/") or len(sources) > 1
    owner = _ids(root, flags["chown"]) if "chown" in flags else (0, 0)
    mode = int(flags["chmod"], 8) if "chmod" in flags else None
    copied: list[str] = []
    for src in sources:
        host_src = os.path.normpath(os.path.join(context, src))
        if not (host_src + "/").startswith(os.path.normpath(context) + "/"):
            raise BuildStepError(f"COPY source {src} is outside the build context {context}")
        if not os.path.exists(host_src):
            raise BuildStepError(f"COPY source {src} does not exist in the build context {context}")
        if os.path.isdir(host_src):
            target = inside(root, dest)
            os.makedirs(target, exist_ok=True)
            for dirpath, _dirnames, filenames in os.walk(host_src):
                rel = os.path.relpath(dirpath, host_src)
                out_dir = os.path.normpath(os.path.join(target, rel))
                os.makedirs(out_dir, exist_ok=True)
                copied.append(out_dir)
                for name in filenames:
                    out = os.path.join(out_dir, name)
                    shutil.copy2(os.path.join(dirpath, name), out, follow_symlinks=True)
                    copied.append(out)
        else:
            target = inside(root, os.path.join(dest, os.path.basename(src)) if dest_is_dir else dest)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(host_src, target, follow_symlinks=True)
            copied.append(target)
    for path in copied:
        os.lchown(path, *owner)
        if mode is not None and not os.path.isdir(path):
            os.chmod(path, mode)


def _run(root: str, argv: list[str], env: dict[str, str], workdir: str, log_file) -> None:
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", _RUN_WRAPPER, "sh", root, workdir, *argv],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        check=False,
    )
    if result.returncode != 0:
        raise BuildStepError(f"exit status {result.returncode}")


def build_rootfs(
    cf: Containerfile,
    context: str,
    base_rootfs: str,
    rootfs: str,
    build_args: dict[str, str],
    log_path: str,
    log,
) -> ImageConfig:
    if os.path.exists(rootfs):
        shutil.rmtree(rootfs)
    os.makedirs(os.path.dirname(rootfs), exist_ok=True)
    subprocess.run(["cp", "-a", "--reflink=auto", base_rootfs, rootfs], check=True)
    config = ImageConfig()
    args: dict[str, str] = {}
    workdir = "/"
    with open(log_path, "w") as log_file:
        for ins in cf.instructions:
            where = f"{cf.path}:{ins.line} ({ins.keyword})"
            variables = {**args, **dict(config.env)}
            started = time.monotonic()
            try:
                if ins.keyword == "ARG":
                    name, default = split_arg(ins.args)
                    args[name] = build_args.get(name, substitute(default or "", variables))
                elif ins.keyword == "FROM":
                    image = substitute(ins.args.split()[0], variables)
                    if image != LOCAL_BASE_REF:
                        raise BuildStepError(
                            f"base image {image} is not available here; the local builder only provides "
                            f"{LOCAL_BASE_REF} (declare `ARG BASE` and use `FROM ${{BASE}}`)"
                        )
                elif ins.keyword == "COPY":
                    flags, sources, dest = parse_copy(ins, variables)
                    _copy(rootfs, context, flags, sources, dest, workdir)
                elif ins.keyword == "RUN":
                    if config.user not in (None, "", "0", "root", "0:0"):
                        raise BuildStepError("RUN after a non-root USER is not supported; move USER to the end")
                    command = json_or_shell(ins)
                    argv = command if isinstance(command, list) else ["/bin/sh", "-c", command]
                    env = {k: v for k, v in {**args, **dict(config.env)}.items()}
                    env.setdefault("HOME", "/root")
                    env["DEBIAN_FRONTEND"] = "noninteractive"
                    log_file.write(f"\n### {where}: {shlex.join(argv)[:300]}\n")
                    log_file.flush()
                    _run(rootfs, argv, env, workdir, log_file)
                elif ins.keyword == "ENV":
                    for key, value in key_values(ins, variables):
                        config.set_env(key, value)
                elif ins.keyword == "LABEL":
                    config.labels.extend(key_values(ins, variables))
                elif ins.keyword == "USER":
                    config.user = substitute(ins.args, variables)
                elif ins.keyword == "WORKDIR":
                    workdir = os.path.join(workdir, substitute(ins.args, variables))
                    config.workdir = workdir
                    os.makedirs(inside(rootfs, workdir), exist_ok=True)
                elif ins.keyword in ("ENTRYPOINT", "CMD"):
                    value = json_or_shell(ins)
                    argv = value if isinstance(value, list) else ["/bin/sh", "-c", value]
                    if ins.keyword == "ENTRYPOINT":
                        config.entrypoint = argv
                    else:
                        config.cmd = argv
                elif ins.keyword == "EXPOSE":
                    config.exposed.extend(substitute(ins.args, variables).split())
            except (BuildStepError, ContainerfileError, OSError) as e:
                raise BuildStepError(f"{where} failed: {e}; build log: {log_path}") from e
            if ins.keyword in ("RUN", "COPY"):
                log(f"  {ins.keyword} at line {ins.line}: {time.monotonic() - started:.1f} s")
    empty_runtime_dirs(rootfs)
    return config
