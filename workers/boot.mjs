// One reusable bootstrap for every Python module worker.
//
//   new Worker("/workers/boot.mjs", {type: "module"})
//   worker.postMessage({type: "start", entry: "workers.selftest:main", shared: sab, args: {...}})
//
// `modules` (optional, {"name.py": source text}) are written beside the
// project's sources before the entry is imported: how a test ships a check
// module of its own (tests/trainer_check.py) into a worker.
//
// The worker boots the vendored Pyodide, unpacks the project's sources
// (/python.zip, built by serve.py) so that `import sim, rl, gpu` work, then
// awaits `entry(shared, args, post)`, where `post(obj)` sends a message to the
// page. Replies to the page:
//   {type: "ready"}                       Python is up, the entry is running
//   {type: "message", data}               whatever the entry post()ed
//   {type: "result", value}               the entry returned
//   {type: "error", message}              booting or the entry raised
// Later messages from the page reach the entry module's `on_message(data)`.
import { loadPyodide } from "/vendor/pyodide/pyodide.mjs";

const SOURCE_DIR = "/home/pyodide/dshq";
let entryModule = null;

function toPlain(value) {
  if (value && typeof value.toJs === "function") {
    const plain = value.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    value.destroy();
    return plain;
  }
  return value;
}

async function start({ entry, shared, args, modules }) {
  const pyodide = await loadPyodide({ indexURL: "/vendor/pyodide/" });
  const response = await fetch("/python.zip");
  if (!response.ok) throw new Error(`could not fetch the project's sources (/python.zip: HTTP ${response.status})`);
  pyodide.unpackArchive(await response.arrayBuffer(), "zip", { extractDir: SOURCE_DIR });
  for (const [name, source] of Object.entries(modules ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*\.py$/.test(name)) throw new Error(`bad module name ${JSON.stringify(name)}`);
    pyodide.FS.writeFile(`${SOURCE_DIR}/${name}`, source);
  }
  pyodide.runPython(`import sys; sys.path.insert(0, "${SOURCE_DIR}")`);
  const [moduleName, functionName] = entry.split(":");
  entryModule = pyodide.pyimport(moduleName);
  const post = (data) => self.postMessage({ type: "message", data: toPlain(data) });
  self.postMessage({ type: "ready" });
  const value = await entryModule[functionName](shared ?? null, pyodide.toPy(args ?? {}), post);
  self.postMessage({ type: "result", value: toPlain(value) });
}

self.onmessage = async (event) => {
  const message = event.data;
  try {
    if (message?.type === "start") {
      await start(message);
    } else if (entryModule && entryModule.on_message) {
      await entryModule.on_message(message);
    }
  } catch (err) {
    self.postMessage({ type: "error", message: String(err?.message ?? err) });
  }
};
