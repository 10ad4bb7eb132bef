"""The Agents panel: keep the agent safe, take it elsewhere, and pit agents against each other.

    snapshots   every version the evaluator played becomes a snapshot (with its
                win rate vs scripted); the pool keeps POOL_CAPACITY of them,
                spread over the run (app/run_state.add_snapshot)
    export      name-vN.dshq of the learner (or of any listed agent), downloaded
    import      file picker or a file dropped anywhere on the page; checked
                strictly (rl.files.agent_file); a bad file is refused with the failed
                check named and nothing else changes
    matchups    any listed agent can play Blue or Red in the show match
    autosave    every `autosave_seconds` while training and on Stop, into the
                Origin Private File System (app/autosave.py, app/opfs.py); on
                load the newest good save is offered for restore

The page (app/page.py) owns the match and puts an agent on a side
(`page.play_agent`); the learner is app/training_panel.py's, which restores a
run (`restore_run`), starts training from an agent (`train_from`) and hands out
the learner's weights and charts for exports and autosaves.
"""

import asyncio
import itertools
import time
from datetime import datetime

import js
from pyodide.ffi import create_once_callable, to_js

from app.autosave import Autosave
from app.opfs import OPFSStorage
from app.run_state import (Agent, RunState, add_snapshot, autosave_bytes, check_name, export_bytes,
                           export_filename, import_agent, read_autosave)
from app.status import element, set_status
from rl.files.agent_file import MAX_AGENT_BYTES
from rl.files.container import CheckpointError
from rl.optimizer_state import OptimizerState

AUTOSAVE_SECONDS = 120.0


def download(filename: str, data: bytes) -> None:
    """Hand `data` to the browser as a file download."""
    blob = js.Blob.new(to_js([to_js(data)]), to_js({"type": "application/octet-stream"},
                                                   dict_converter=js.Object.fromEntries))
    url = js.URL.createObjectURL(blob)
    link = js.document.createElement("a")
    link.href, link.download = url, filename
    link.click()
    js.setTimeout(create_once_callable(lambda: js.URL.revokeObjectURL(url)), 60_000)


def clock() -> str:
    return datetime.now().strftime("%H:%M:%S")


class AgentPanel:
    def __init__(self, page, learning, autosave_seconds: float = AUTOSAVE_SECONDS):
        self.page = page
        self.learning = learning         # the TrainingPanel: the learner, its setup and telemetry
        self.autosave_seconds = autosave_seconds
        self.pool = []                   # the snapshots, oldest first
        self.imports = {}                # "i3" -> the third imported Agent
        self.import_count = itertools.count(1)
        self.autosave = None             # Autosave over OPFS, once opened
        self.saving = False
        self.save_again = False          # a save was asked for while one was being written
        self.last_save = time.perf_counter()
        self.offer = None                # (RunState, bytes) the restore banner offers

    # --- wiring -----------------------------------------------------------------------
    def wire(self) -> None:
        page = self.page
        page.listen(element("export"), "click", lambda *_: self.export_learner())
        page.listen(element("import-file"), "change", lambda event: self.on_file_chosen(event))
        page.listen(js.document, "dragover", lambda event: event.preventDefault())
        page.listen(js.document, "drop", self.on_drop)
        page.listen(element("agent-list"), "click", self.on_list_click)
        page.listen(element("restore-run"), "click", lambda *_: self.restore())
        page.listen(element("restore-export"), "click", lambda *_: self.export_offer())
        page.listen(element("restore-fresh"), "click", lambda *_: self.decline())
        for element_id in ("export", "import-file", "agent-name"):
            element(element_id).disabled = False
        asyncio.ensure_future(self.open_autosave())

    # --- snapshots and the list ----------------------------------------------------------
    def on_evaluation(self, report: dict) -> None:
        """The evaluator played version N: keep it as a snapshot."""
        version = report["policy_version"]
        if self.pool and self.pool[-1].version >= version:
            return
        agent = Agent(f"v{version} (snapshot)", version, report["train_steps"], report["params"],
                      self.learning.training.model, report.get("win_rate"))
        add_snapshot(self.pool, agent)
        self.render()

    def clear_snapshots(self) -> None:
        self.pool = []
        self.render()

    def listed(self) -> dict:
        """key -> Agent: snapshots ("s12"), newest first, then imports ("i3")."""
        return {**{f"s{agent.version}": agent for agent in reversed(self.pool)}, **self.imports}

    def render(self) -> None:
        rows = []
        listed = self.listed()
        for key, agent in listed.items():
            win_rate = "—" if agent.win_rate is None else f"{agent.win_rate:.0%}"
            buttons = "".join(f'<button type="button" data-key="{key}" data-action="{action}">{text}</button>'
                              for action, text in (("blue", "Blue"), ("red", "Red"), ("train", "Train from this"),
                                                   ("export", "Export")))
            rows.append(f"<tr><td>{agent.label}</td><td>{agent.train_steps:,}</td><td>{win_rate}</td>"
                        f"<td>{buttons}</td></tr>")
        element("agent-rows").innerHTML = "".join(rows) or '<tr><td colspan="4" class="muted">No snapshots or ' \
                                                           'imported agents yet.</td></tr>'
        set_status(agents=to_js([agent.label for agent in listed.values()]))

    def on_list_click(self, event) -> None:
        dataset = event.target.dataset
        key, action = dataset.key, dataset.action
        agent = self.listed().get(key) if key else None
        if agent is None:
            return
        if action in ("blue", "red"):
            self.page.play_agent(action, agent)
        elif action == "train":
            self.learning.train_from(agent)
        elif action == "export":
            self.export(agent)

    # --- export / import -------------------------------------------------------------------
    def agent_name(self) -> str:
        return check_name(element("agent-name").value)

    def export_learner(self) -> None:
        agent = self.learning.learner_agent()
        if agent is None:
            self.page.notify("Nothing to export yet: press Train first (or export an agent from the list).")
            return
        self.export(agent)

    def export(self, agent: Agent) -> None:
        try:
            name = self.agent_name()
        except ValueError as err:
            self.page.notify(f"Export refused: {err}.")
            return
        agent = Agent(agent.label, agent.version, agent.train_steps, agent.params, agent.model_config,
                      agent.win_rate, name)
        filename = export_filename(name, agent.version)
        download(filename, export_bytes(agent, self.learning.current_setup()))
        set_status(exported=filename)
        self.page.notify(f"Exported {filename}.")

    def on_file_chosen(self, event) -> None:
        files = event.target.files
        if files.length:
            asyncio.ensure_future(self.import_file(files.item(0)))
        event.target.value = ""          # choosing the same file again fires "change" again

    def on_drop(self, event) -> None:
        event.preventDefault()
        files = event.dataTransfer.files if event.dataTransfer else None
        if files is not None and files.length:
            asyncio.ensure_future(self.import_file(files.item(0)))

    async def import_file(self, file) -> None:
        """Check a picked or dropped file; only a good one changes anything."""
        if file.size > MAX_AGENT_BYTES:
            self.refuse_import(file.name, f"file size: {file.size} bytes is over the {MAX_AGENT_BYTES}-byte limit")
            return
        data = js.Uint8Array.new(await file.arrayBuffer()).to_bytes()
        try:
            agent = import_agent(data)
        except CheckpointError as err:
            self.refuse_import(file.name, str(err))
            return
        number = next(self.import_count)
        self.imports[f"i{number}"] = agent
        self.render()
        self.page.play_agent("blue", agent)
        set_status(imported=agent.label, imports=number, import_error=None)
        self.page.notify(f"Imported {file.name} ({agent.label}): it plays Blue. The Agents list can make it Red "
                         f"(an opponent) or the learner's starting point.")

    def refuse_import(self, filename: str, reason: str) -> None:
        set_status(import_error=f"{filename}: {reason}")
        self.page.notify(f"Import refused: {filename}: {reason}. Nothing was changed.")

    # --- autosave and restore ---------------------------------------------------------------
    async def open_autosave(self) -> None:
        try:
            self.autosave = Autosave(await OPFSStorage.open(), parse=read_autosave)
            found = await self.autosave.latest()
        except Exception as err:   # no OPFS (private window, old browser) or a storage failure
            self.autosave = None
            set_status(autosave_error=str(err))
            element("save-state").textContent = f"autosave unavailable: {err}"
            return
        problems = " ".join(found.problems)
        if found.value is None:
            if problems:
                self.page.notify(f"The autosave cannot be restored ({problems}).")
            set_status(restore_offer=None, autosave_problems=to_js(found.problems))
            return
        run = found.value
        self.offer = (run, found.data)
        created = f" at {run.created}" if run.created else ""
        text = (f"A training run was autosaved{created}: {run.name} v{run.version}, {run.train_steps:,} env steps. "
                f"Restore it, or start fresh (the save is kept until your new agent has been autosaved twice).")
        if problems:
            text = f"The newest autosave cannot be restored ({problems}); this is the one before it. " + text
        element("restore-text").textContent = text
        element("restore").hidden = False
        set_status(restore_offer=run.version, autosave_problems=to_js(found.problems))

    def restore(self) -> None:
        if self.offer is None:
            return
        run, data = self.offer
        self.offer = None
        element("restore").hidden = True
        element("agent-name").value = run.name
        self.learning.restore_run(run, data)
        self.pool = list(run.snapshots)
        self.render()
        set_status(restore_offer=None)

    def export_offer(self) -> None:
        if self.offer is not None:
            run = self.offer[0]
            self.export(Agent(f"v{run.version}", run.version, run.train_steps, run.params,
                              run.setup.model_config(), run.win_rate, run.name))

    def decline(self) -> None:
        self.offer = None
        element("restore").hidden = True
        set_status(restore_offer=None)

    def training_started(self) -> None:
        self.last_save = time.perf_counter()

    def tick(self) -> None:
        """Called every frame: autosave when training has run `autosave_seconds` since the last save."""
        training = self.learning.training
        if (training is not None and training.running and not self.saving
                and time.perf_counter() - self.last_save >= self.autosave_seconds):
            asyncio.ensure_future(self.save())

    async def save(self) -> None:
        """Ask the trainer for its state and store it as the next autosave."""
        training = self.learning.training
        if self.autosave is None or training is None or not training.started:
            return
        if self.saving:
            self.save_again = True
            return
        self.saving = True
        try:
            state = await training.checkpoint()
            run = RunState(state["params"], OptimizerState(state["m"], state["v"], state["step"]),
                           state["version"], state["train_steps"], training.setup, self.learning.telemetry_history(),
                           list(self.pool), self.learning.win_rate, self.safe_name())
            name = await self.autosave.write(autosave_bytes(run))
        except Exception as err:
            self.page.notify(f"Autosave failed: {err}. The previous save is kept.")
            set_status(autosave_error=str(err))
        else:
            element("save-state").textContent = f"autosaved v{run.version} at {clock()}"
            set_status(saved_version=run.version, saved_name=name, autosave_error=None)
        finally:
            self.saving = False
            self.last_save = time.perf_counter()
        if self.save_again:
            self.save_again = False
            await self.save()

    def safe_name(self) -> str:
        try:
            return self.agent_name()
        except ValueError:
            return "agent"
