// Run Python source under the vendored Pyodide in Node, with the repository
// mounted so that `import sim`, `import rl`, `import gpu` work as in the page.
//
//   node tests/pyodide_run.mjs script.py      (or the source on stdin)
//
// Python's stdout/stderr are forwarded line by line; the exit status is 1 when
// the script raises (the traceback goes to stderr) and 0 otherwise.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const source = readFileSync(process.argv[2] ?? 0, "utf8");

const pyodide = await loadPyodide({
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
pyodide.FS.mkdirTree("/repo");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: repoRoot }, "/repo");
pyodide.runPython("import sys; sys.path.insert(0, '/repo'); sys.dont_write_bytecode = True");
try {
  await pyodide.runPythonAsync(source);
} catch (err) {
  process.stderr.write(String(err.message ?? err) + "\n");
  process.exit(1);
}
