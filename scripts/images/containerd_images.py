"""Images in containerd's k8s.io namespace (the one the kubelet's CRI uses), through the `ctr` client."""

from __future__ import annotations

import os
import shutil
import subprocess

NAMESPACE = "k8s.io"


class ContainerdUnavailableError(Exception):
    pass


def address() -> str:
    return (
        os.environ.get("CT_CONTAINERD_ADDRESS")
        or os.environ.get("CONTAINERD_ADDRESS")
        or "/run/containerd/containerd.sock"
    )


class ContainerdImages:
    def __init__(self) -> None:
        self.address = address()
        if shutil.which("ctr") is None:
            raise ContainerdUnavailableError(
                "ctr (containerd's client) is not installed; `npm run cluster:up` installs and starts containerd"
            )
        if not os.path.exists(self.address):
            raise ContainerdUnavailableError(
                f"containerd is not running (no socket at {self.address}); start the local cluster with "
                "`npm run cluster:up`, or set CT_CONTAINERD_ADDRESS to your containerd socket"
            )

    def _ctr(self, *args: str, timeout: float = 600) -> str:
        argv = ["ctr", "--address", self.address, "--namespace", NAMESPACE, *args]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise ContainerdUnavailableError(
                f"`{' '.join(argv)}` failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
            )
        return result.stdout

    def present(self) -> dict[str, str]:
        """ref -> manifest digest of every image in the namespace."""
        images: dict[str, str] = {}
        for line in self._ctr("images", "ls").splitlines()[1:]:
            fields = line.split()
            if len(fields) >= 3:
                images[fields[0]] = fields[2]
        return images

    def import_archive(self, tar: str, ref: str) -> str:
        """Import a docker-archive tar (unpacked for the CRI snapshotter); returns the digest of `ref`."""
        self._ctr("images", "import", tar)
        digest = self.present().get(ref)
        if digest is None:
            raise ContainerdUnavailableError(
                f"imported {tar} but containerd lists no {ref}: the archive's RepoTags do not name it"
            )
        return digest
