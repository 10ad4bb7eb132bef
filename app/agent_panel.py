"""The Agents panel, a view of the session (app/session.py): keep the agent
safe, take it elsewhere, and pit agents against each other.

    snapshots   every version the evaluator played becomes a snapshot (with its
                win rate vs scripted); the session keeps POOL_CAPACITY of them,
                spread over the run (app/run_state.add_snapshot)
    export      name-vN.dshq of the learner (or of any listed agent), downloaded,
                with its league rating when it is a member (metadata league_rating)
    import      the Import… button (a file picker) or a file dropped anywhere on
                the page; checked strictly (rl.files.agent_file); a bad file is
                refused in plain words ("not a DrillSergeantHQ agent file", or a
                damaged one) with the failed check after, and nothing else
                changes; the agent joins the list and the league. While the
                learner trains an import only joins the list (its row's Blue
                and Red buttons put it on a side); otherwise it plays Blue at
                once. The same file twice is listed once. Imports are kept with
                the autosave and come back with a restore.
    name        the agent name is checked as it is typed (the rules of Export)
    matchups    any listed agent can play Blue or Red in the show match
                (`session.play_agent`) or be the learner's starting point
                (`session.train_from`)
    autosave    every `autosave_seconds` while training and on Stop, into the
                Origin Private File System (app/autosave.py, app/opfs.py), and
                again when a league result lands after Stop (so none is lost);
                on load the newest good save is offered for restore
                (`session.restore`) in a banner at the top of the page, with its
                age in words ("5 minutes ago")
"""

import asyncio
import hashlib
import time
from datetime import datetime

import js
from pyodide.ffi import create_once_callable, to_js

from app.autosave import Autosave, time_ago
from app.dom import element, listen
from app.dshq import set_status
from app.opfs import OPFSStorage
from app.run_league import RunLeague
from app.run_state import (Agent, autosave_bytes, check_name, export_bytes, export_filename, import_agent,
                           read_autosave)
from rl.files.agent_file import MAX_AGENT_BYTES
from rl.files.container import CheckpointError

AUTOSAVE_SECONDS = 120.0
STORAGE_SECONDS = 20.0           # a storage read that has not answered by then is given up (and said)


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
    def __init__(self, session, autosave_seconds: float = AUTOSAVE_SECONDS):
        self.session = session
        self.autosave_seconds = autosave_seconds
        self.autosave = None             # Autosave over OPFS, once opened
        self.saving = False
        self.save_again = False          # a save was asked for while one was being written
        self.last_save = time.perf_counter()
        self.offer = None                # (RunState, bytes, [stored import bytes]) the restore banner offers
        self.imported = {}               # SHA-256 of an imported file -> its Agent

    # --- wiring -----------------------------------------------------------------------
    def wire(self) -> None:
        listen(element("export"), "click", lambda *_: self.export_learner())
        listen(element("import"), "click", lambda *_: element("import-file").click())
        listen(element("import-file"), "change", lambda event: self.on_file_chosen(event))
        listen(element("agent-name"), "input", lambda *_: self.check_agent_name())
        listen(js.document, "dragover", lambda event: event.preventDefault())
        listen(js.document, "drop", self.on_drop)
        listen(element("agent-list"), "click", self.on_list_click)
        listen(element("restore-run"), "click", lambda *_: self.restore())
        listen(element("restore-export"), "click", lambda *_: self.export_offer())
        listen(element("restore-fresh"), "click", lambda *_: self.decline())
        self.session.subscribe("agents", self.render)
        self.session.subscribe("league", self.on_league)
        self.session.subscribe("training", self.on_training)
        for element_id in ("export", "import", "import-file", "agent-name"):
            element(element_id).disabled = False
        asyncio.ensure_future(self.open_autosave())

    # --- the list --------------------------------------------------------------------------
    def render(self) -> None:
        rows = []
        listed = self.session.listed()
        league = self.session.league
        table = league.table()
        for key, agent in listed.items():
            win_rate = "—" if agent.win_rate is None else f"{agent.win_rate:.0%}"
            rating = table.get(league.name_of(agent))
            rating = "—" if rating is None else f"{rating['rating']:.0f} ± {rating['plus_minus']:.0f}"
            buttons = "".join(f'<button type="button" data-key="{key}" data-action="{action}">{text}</button>'
                              for action, text in (("blue", "Blue"), ("red", "Red"), ("train", "Train from this"),
                                                   ("export", "Export")))
            rows.append(f"<tr><td>{agent.label}</td><td>{agent.train_steps:,}</td><td>{win_rate}</td>"
                        f"<td>{rating}</td><td>{buttons}</td></tr>")
        element("agent-rows").innerHTML = "".join(rows) or '<tr><td colspan="5" class="muted">No snapshots or ' \
                                                           'imported agents yet.</td></tr>'
        set_status(agents=[agent.label for agent in listed.values()])

    def on_list_click(self, event) -> None:
        dataset = event.target.dataset
        key, action = dataset.key, dataset.action
        agent = self.session.listed().get(key) if key else None
        if agent is None:
            return
        if action in ("blue", "red"):
            self.session.play_agent(action, agent)
        elif action == "train":
            self.train_from(agent)
        elif action == "export":
            self.export(agent)

    def train_from(self, agent: Agent) -> None:
        """Make `agent` the learner's starting point, after a confirmation if there is a learner."""
        run = self.session.run
        if run is not None and not js.window.confirm(
                f"Replace the current agent (v{run.version}) with {agent.label} as the learner? Its "
                f"weights and charts are discarded (its last autosave is kept until the new agent has been "
                f"autosaved twice; export it first to keep it)."):
            return
        self.session.train_from(agent)

    # --- export / import -------------------------------------------------------------------
    def agent_name(self) -> str:
        return check_name(element("agent-name").value)

    def check_agent_name(self) -> None:
        """Mark a name Export would refuse, with the reason beside it."""
        try:
            self.agent_name()
            message = None
        except ValueError as err:
            message = f"Export needs another name: {err}."
        element("agent-name").setAttribute("aria-invalid", "true" if message else "false")
        element("agent-name-error").textContent = message or ""
        element("agent-name-error").hidden = message is None
        set_status(agent_name_error=message)

    def export_learner(self) -> None:
        agent = self.session.learner_agent()
        if agent is None:
            self.session.notify("Nothing to export yet: press Train first (or export an agent from the list).")
            return
        self.export(agent)

    def export(self, agent: Agent) -> None:
        try:
            name = self.agent_name()
        except ValueError as err:
            self.session.notify(f"Export refused: {err}.")
            return
        rating = self.session.league_rating(agent)
        agent = Agent(agent.label, agent.version, agent.train_steps, agent.params, agent.model_config,
                      agent.win_rate, name)
        filename = export_filename(name, agent.version)
        download(filename, export_bytes(agent, self.session.current_setup(), self.session.engine_name(), rating))
        set_status(exported=filename)
        self.session.notify(f"Exported {filename}.")

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
        digest = hashlib.sha256(data).hexdigest()
        if digest in self.imported:
            self.session.resolve("import")
            self.session.notify(f"{file.name} is already in the Agents list as {self.imported[digest].label}.")
            return
        try:
            agent = self.add_import(data)
        except CheckpointError as err:
            self.refuse_import(file.name, str(err))
            return
        self.session.resolve("import")
        run = self.session.run
        if run is not None and run.running:        # the show match plays the learner: ask, do not take a side
            self.session.notify(f"Imported {file.name} ({agent.label}): it is in the Agents list. Press its "
                                f"Blue or Red button to play it, or Train from this to learn from it.")
        else:
            self.session.play_agent("blue", agent)
            self.session.notify(f"Imported {file.name} ({agent.label}): it plays Blue. The Agents list can make "
                                f"it Red (an opponent) or the learner's starting point.")
        asyncio.ensure_future(self.keep_import(data))

    async def keep_import(self, data: bytes) -> None:
        """Store an imported file with the autosave, so a restore brings it back."""
        if self.autosave is None:
            return
        try:
            name = await self.autosave.keep_import(data)
        except Exception as err:   # a storage failure: the import itself stands
            self.session.notify(f"The imported agent could not be kept with the autosave ({err}); it is listed "
                                f"until the page closes.")
        else:
            set_status(import_stored=name)

    def add_import(self, data: bytes) -> Agent:
        """A checked file in the Agents list (raises CheckpointError for a bad one)."""
        agent = import_agent(data)
        number = self.session.add_import(agent)
        self.imported[hashlib.sha256(data).hexdigest()] = agent
        set_status(imported=agent.label, imports=number, import_error=None)
        return agent

    def refuse_import(self, filename: str, reason: str) -> None:
        set_status(import_error=f"{filename}: {reason}")
        self.session.report_problem("import", f"Import refused: {filename} is {refusal_words(reason)}. "
                                              f"Nothing was changed. (Detail: {reason}.)")

    # --- autosave and restore ---------------------------------------------------------------
    async def open_autosave(self) -> None:
        """Offer the newest good autosave, with the imports stored beside it (read now, so that Restore
        itself is one synchronous step that cannot be left half done)."""
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
                self.session.notify(f"The autosave cannot be restored ({problems}).")
            set_status(restore_offer=None, autosave_problems=found.problems)
            return
        run = found.value
        try:
            imports = await asyncio.wait_for(self.autosave.imports(), STORAGE_SECONDS)
        except Exception as err:      # storage refused or did not answer: the run can be restored, its imports not
            js.console.warn(f"the stored imports could not be read: {err!r}")
            imports = []
        self.offer = (run, found.data, imports)
        created = f" {time_ago(run.created)}" if run.created else ""
        text = (f"Your training run was autosaved{created}: {run.name} v{run.version}, {run.train_steps:,} env "
                f"steps. Restore it, or start fresh (the save is kept until your new agent has been autosaved "
                f"twice).")
        if problems:
            text = f"The newest autosave cannot be restored ({problems}); this is the one before it. " + text
        element("restore-text").textContent = text
        element("restore").hidden = False
        set_status(restore_offer=run.version, autosave_problems=found.problems)

    def restore(self) -> None:
        """The offered run, and the agents imported with it back in the list (one that fails its checks is
        skipped and named in the console)."""
        if self.offer is None:
            return
        run, data, imports = self.offer
        self.offer = None
        element("restore").hidden = True
        element("agent-name").value = run.name
        self.session.restore(run, data)
        set_status(restore_offer=None)
        for stored in imports:
            if hashlib.sha256(stored).hexdigest() not in self.imported:
                try:
                    self.add_import(stored)
                except CheckpointError as err:
                    js.console.warn(f"a stored import could not be restored: {err}")
        set_status(restored_imports=len(self.imported))

    def export_offer(self) -> None:
        if self.offer is not None:
            run = self.offer[0]
            self.export(Agent(f"v{run.version}", run.version, run.train_steps, run.params,
                              run.setup.model_config(), run.win_rate, run.name))

    def decline(self) -> None:
        self.offer = None
        element("restore").hidden = True
        set_status(restore_offer=None)
        if self.autosave is not None:
            asyncio.ensure_future(self.autosave.forget_imports())

    def on_league(self) -> None:
        """New ratings in the list; a result that lands while the run is stopped is saved at once."""
        self.render()
        run = self.session.run
        if run is not None and run.started and not run.running:
            asyncio.ensure_future(self.save())

    def on_training(self, running: bool) -> None:
        """Train restarts the autosave clock; Stop saves."""
        if running:
            self.last_save = time.perf_counter()
        else:
            asyncio.ensure_future(self.save())

    def tick(self) -> None:
        """Called every frame: autosave when training has run `autosave_seconds` since the last save."""
        run = self.session.run
        if (run is not None and run.running and not self.saving
                and time.perf_counter() - self.last_save >= self.autosave_seconds):
            asyncio.ensure_future(self.save())

    async def save(self) -> None:
        """Ask the trainer for its state and store it as the next autosave."""
        run = self.session.run
        if self.autosave is None or run is None or not run.started:
            return
        if run.problem is not None:     # the trainer cannot answer: the last good save stays
            element("save-state").textContent = "autosave waits until the trainer runs again"
            self.last_save = time.perf_counter()
            return
        if self.saving:
            self.save_again = True
            return
        self.saving = True
        try:
            saved = await self.session.run_state(self.safe_name())
            name = await self.autosave.write(autosave_bytes(saved, self.session.engine_name()))
        except Exception as err:
            self.session.notify(f"Autosave failed: {err}. The previous save is kept.")
            set_status(autosave_error=str(err))
        else:
            element("save-state").textContent = f"autosaved v{saved.version} at {clock()}"
            set_status(saved_version=saved.version, saved_name=name, autosave_error=None,
                       saved_league_games=RunLeague.from_json(saved.league).games())
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


NOT_AN_AGENT_FILE = ("file size:", "header length:", "header is not", "metadata: header has no", "metadata 'format'")


def refusal_words(reason: str) -> str:
    """What a refused file is, in plain words, from the failed check (rl.files.container's CheckpointError)."""
    if reason.startswith(NOT_AN_AGENT_FILE):
        return "not a DrillSergeantHQ agent file"
    return "a DrillSergeantHQ agent file this page cannot use (damaged, or from an incompatible version)"
