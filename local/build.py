"""``python -m local.build``: the artifact ``sam deploy`` ships, built with SAM CLI (no Docker).

SAM CLI pins an older boto3 than the project, so it lives in its own virtual environment,
``.venv-sam`` (from ``requirements-sam.txt``), made on first use. The layer's makefile build
(``layers/shared/Makefile``) installs the hashed lock for the chosen architecture and compiles it
to bytecode; ``--arch`` sets both the template's ``Architecture`` and the layer's ``LAYER_ARCH``.
The built-artifact test tier and the cold-import bench build for the host (``host_arch()``), so
the compiled packages load here.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAM_VENV = ROOT / ".venv-sam"
SAM_TIMEOUT_S = 1200  # creating .venv-sam and a layer build take a minute or two each
LAYER = "SharedLayer"


class BuildFailed(Exception):
    pass


def host_arch() -> str:
    """The template's ``Architecture`` value for this machine."""
    return "arm64" if platform.machine().lower() in ("aarch64", "arm64") else "x86_64"


def python313() -> Path:
    """The Python 3.13 that builds the layer (its bytecode must match the runtime's version)."""
    if sys.version_info[:2] == (3, 13):
        return Path(sys.executable)
    found = subprocess.run([str(ROOT / "scripts" / "find-python")], capture_output=True, text=True, check=False)
    if found.returncode != 0:
        raise BuildFailed(found.stderr.strip())
    return Path(found.stdout.strip())


def tool_env() -> dict[str, str]:
    """The environment SAM CLI runs with: offline, no telemetry, python3.13 first on PATH."""
    env = dict(os.environ)
    python = python313()
    env.update(
        {
            "AWS_DEFAULT_REGION": env.get("AWS_DEFAULT_REGION", "us-east-1"),
            "AWS_REGION": env.get("AWS_REGION", "us-east-1"),
            "SAM_CLI_TELEMETRY": "0",
            "PYTHON": str(python),
            "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
        }
    )
    env.pop("AWS_ENDPOINT_URL", None)
    env.pop("VIRTUAL_ENV", None)
    return env


def _run(args: list[str], timeout: int = SAM_TIMEOUT_S, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        args, cwd=ROOT, env=env or tool_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise BuildFailed(f"{' '.join(args[:3])} … failed:\n{result.stdout[-5000:]}\n{result.stderr[-5000:]}")


def sam() -> Path:
    """``.venv-sam/bin/sam``, creating that environment from requirements-sam.txt if needed."""
    binary = SAM_VENV / "bin" / "sam"
    if not binary.exists():
        make_venv(SAM_VENV, "requirements-sam.txt")
    return binary


def make_venv(venv: Path, lock: str) -> None:
    """``venv`` made anew with exactly the hashed packages of ``lock`` (``scripts/make-venv``: uv)."""
    _run([str(ROOT / "scripts" / "make-venv"), str(venv), lock], env=tool_env() | {"PYTHON": str(python313())})


def build(build_dir: Path, arch: str, cache_dir: Path | None = None) -> Path:
    """``sam build`` into ``build_dir`` for ``arch``; returns ``build_dir``."""
    env = tool_env() | {"LAYER_ARCH": arch}
    args = [str(sam()), "build", "--template-file", "template.yaml", "--build-dir", str(build_dir)]
    args += ["--parameter-overrides", f"Architecture={arch}"]
    if cache_dir is not None:
        args += ["--cache-dir", str(cache_dir)]
    if build_dir.exists():
        shutil.rmtree(build_dir)
    _run(args, env=env)
    return build_dir


def layer_dir(build_dir: Path) -> Path:
    """Where the built layer's packages are (``/opt/python`` in Lambda)."""
    return build_dir / LAYER / "python"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.build", description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=["arm64", "x86_64", "host"], default="arm64")
    parser.add_argument("--build-dir", type=Path, default=ROOT / ".aws-sam" / "build")
    args = parser.parse_args(argv)
    arch = host_arch() if args.arch == "host" else args.arch
    try:
        built = build(args.build_dir.resolve(), arch)
    except BuildFailed as error:
        print(error, file=sys.stderr)
        return 1
    print(f"built for {arch}: {built}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
