// window.dshq: the page's public handle (contract in DESIGN.md).
//
// status() returns a plain snapshot object. It lives in JS so that it answers
// even while Python is still booting or after Python failed to boot; the
// Python side (app/dshq.py) fills the fields as they become meaningful.

const state = {
  ready: false, playing: false, tick: null, score: null, mode: null,
  training: false, engine: null, policy_version: null, train_steps: null, sps: null, agents: [],
  fps: null, updates: null, losses: null, error: null, league: {}, timeline: [],
  overlays: [], intent: { blue: null, red: null }, value: { blue: null, red: null }, value_field: null,
};

function showProblem(text) {
  state.error = text;
  document.getElementById("loading").hidden = true;
  document.getElementById("problem-text").textContent = text;
  document.getElementById("problem").hidden = false;
}

window.dshq = {
  status: () => structuredClone(state),
  _state: state,
  _showProblem: showProblem,
};

// Pyodide failing to boot (a missing runtime file, a syntax error in app/)
// never reaches Python's own error handling: catch it here.
function onBootFailure(reason) {
  if (!state.ready && !state.error) showProblem(`Python failed to start: ${reason}`);
}
addEventListener("error", (event) => onBootFailure(event.message));
addEventListener("unhandledrejection", (event) => onBootFailure(event.reason?.message ?? String(event.reason)));
const BOOT_TIMEOUT_MS = 90_000;
setTimeout(() => onBootFailure(`it did not finish within ${BOOT_TIMEOUT_MS / 1000} s (see the browser console)`), BOOT_TIMEOUT_MS);
