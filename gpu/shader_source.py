"""Where WGSL comes from: `shaders/<name>.wgsl`, read the same way in both hosts.

In CPython the file sits in the repository; in the browser `serve.py` ships
`shaders/` inside the project archive that the page and every worker unpack
next to the Python packages, so a plain file read works there too.
"""

from pathlib import Path

SHADER_DIR = Path(__file__).resolve().parent.parent / "shaders"


def shader_source(name: str) -> str:
    """Return the WGSL text of `shaders/<name>.wgsl`.

    Raises FileNotFoundError naming the file and listing the shaders that exist.
    """
    path = SHADER_DIR / f"{name}.wgsl"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SHADER_DIR.glob("*.wgsl"))) or "none"
        raise FileNotFoundError(f"no WGSL shader named {name!r} at {path} (known: {known})")
    return path.read_text(encoding="utf-8")
