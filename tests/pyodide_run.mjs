// Run Python source under the vendored Pyodide in Node, with the repository
// mounted so that `import sim`, `import rl`, `import gpu` work as in the page.
//
//   node tests/pyodide_run.mjs script.py            (or the source on stdin)
//   node tests/pyodide_run.mjs --webgpu script.py   with WebGPU: Dawn's node bindings (npm `webgpu`)
//
// With --webgpu, `navigator.gpu` and the WebGPU globals (GPUBufferUsage, ...)
// come from Dawn, so the browser's GPU layer (gpu/browser.py) and everything on
// it runs as in a worker. Dawn uses the system's Vulkan driver; on a machine
// without a GPU point VK_ICD_FILENAMES at the SwiftShader driver that Debian's
// chromium ships (/usr/lib/chromium/vk_swiftshader_icd.json): Dawn refuses
// Mesa's lavapipe. navigator.gpu is set after loadPyodide(): set before, the
// boot fails ("Failed to import _pyodide_core").
//
// Python's stdout/stderr are forwarded line by line; the exit status is 1 when
// the script raises (the traceback goes to stderr) and 0 otherwise.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPyodide } from "pyodide";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const webgpu = args[0] === "--webgpu";
const source = readFileSync((webgpu ? args[1] : args[0]) ?? 0, "utf8");

const pyodide = await loadPyodide({
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});
if (webgpu) {
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  const navigator = { gpu: create([]), hardwareConcurrency: (await import("node:os")).cpus().length };
  Object.defineProperty(globalThis, "navigator", { value: navigator, configurable: true, writable: true });
}
pyodide.FS.mkdirTree("/repo");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: repoRoot }, "/repo");
pyodide.runPython("import sys; sys.path.insert(0, '/repo'); sys.dont_write_bytecode = True");
try {
  await pyodide.runPythonAsync(source);
} catch (err) {
  process.stderr.write(String(err.message ?? err) + "\n");
  process.exit(1);
}
process.exit(0);   // Dawn's instance would keep the event loop alive
