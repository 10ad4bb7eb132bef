"""The learner's side of the page: Train/Stop, New agent, the telemetry readouts
and charts, and the hyperparameter panel.

    Train (first time)  a LiveTraining (app/training.py) with the LiveSetup of
                        the URL query and the hyperparameter panel; the show
                        match's Blue plays the learner if neither side does
    Stop / Train        pause and resume learning; Stop autosaves
    New agent           after a confirmation, drop the learner, its charts and
                        snapshots; Train then starts from fresh weights
    begin_agent         a learner that starts from an agent (an autosave being
                        restored, or a listed agent to train from)

The page (app/page.py) owns the match and plays the learner on a side; the
Agents panel (app/agent_panel.py) saves, restores and lists agents and calls
`restore_run` and `train_from` here.
"""

import asyncio
from dataclasses import replace

import js
from pyodide.ffi import to_js

from app.charts import make_charts
from app.hyperparameters import PPO_FIELDS, WORKER_FIELDS, apply_panel
from app.run_state import Agent, RunState, export_bytes
from app.status import element, set_status
from app.training import LiveTraining
from rl.live.setup import LiveSetup

CHARTS = (("mean episodic return", "charts/episodic_return"), ("win rate vs scripted", "eval/win_rate_vs_scripted"),
          ("win rate (training opponents)", "charts/win_rate"),
          ("policy loss", "losses/policy_loss"), ("value loss", "losses/value_loss"), ("entropy", "losses/entropy"),
          ("approx KL", "losses/approx_kl"), ("clip fraction", "losses/clipfrac"))
LOSS_NAMES = ("policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac", "explained_variance")
# URL query -> LiveSetup field, e.g. ?workers=1&envs=8&steps=32&hidden=32 (small runs, tests)
QUERY_FIELDS = {"workers": "rollout_workers", "envs": "envs_per_worker", "steps": "num_steps",
                "slots": "ring_slots", "seed": "seed", "eval": "eval_episodes"}


class TrainingPanel:
    def __init__(self, page):
        self.page = page
        self.training = None        # LiveTraining once Train was pressed
        self.setup = None           # LiveSetup: URL query, then the hyperparameter panel
        self.rollbacks_shown = 0
        self.charts = []
        self.win_rate = None        # the learner's latest evaluation vs scripted

    def wire(self) -> None:
        self.page.listen(element("train"), "click", self.toggle_training)
        self.page.listen(element("hyper-form"), "submit", self.apply_hyperparameters)
        self.page.listen(element("new-agent"), "click", self.new_agent)
        self.page.listen(js.window, "pagehide", lambda *_: self.training is not None and self.training.shutdown())
        element("train").disabled = False

    def current_setup(self) -> LiveSetup:
        if self.setup is None:
            self.setup = self.setup_from_query()
        return self.setup

    # --- Train / Stop / New agent ----------------------------------------------------
    def toggle_training(self, *_) -> None:
        if self.training is None:
            try:
                self.begin_agent(self.current_setup())
            except (TypeError, ValueError) as err:
                self.page.notify(f"Training not started: {err}.")
                return
        if self.training.running:
            self.training.stop()
            element("train").textContent = "Train"
            asyncio.ensure_future(self.page.agents.save())
        else:
            self.page.play_learner()
            self.training.start()
            self.page.agents.training_started()
            element("train").textContent = "Stop"
        set_status(training=self.training.running)

    def begin_agent(self, setup: LiveSetup, start_file: bytes | None = None, start: Agent | None = None,
                    telemetry: dict | None = None) -> None:
        """A new learner (fresh, or starting from `start`, whose .dshq bytes are `start_file`); fresh charts."""
        self.training = LiveTraining(setup, self.on_telemetry, self.page.notify, on_evaluation=self.on_evaluation,
                                     start=start, start_file=start_file)
        self.setup = setup
        element("charts").innerHTML = ""
        self.charts = make_charts("charts", CHARTS)
        for chart in self.charts:
            for x, y in (telemetry or {}).get(chart.metric, []):
                chart.add(x, y)
            chart.draw()
        if start is not None:
            self.page.play_learner()
            element("t-version").textContent = f"v{start.version}"
            element("t-steps").textContent = f"{start.train_steps:,}"
            set_status(policy_version=start.version, train_steps=start.train_steps)

    def discard_agent(self) -> None:
        """Stop and drop the learner, its charts and snapshots (the caller confirmed)."""
        if self.training is not None:
            self.training.shutdown()
        self.training = None
        self.rollbacks_shown = 0
        self.win_rate = None
        self.page.agents.clear_snapshots()
        element("charts").innerHTML = ""
        element("train").textContent = "Train"
        set_status(training=False, policy_version=None, train_steps=None, sps=None, updates=None, losses=None)

    def new_agent(self, *_) -> None:
        """Throw the current agent away (after a confirmation) and start from fresh weights."""
        if self.training is None:
            self.page.notify("There is no agent yet: press Train to start one.")
            return
        if not js.window.confirm("Start a new agent? The current weights, charts and snapshots are discarded "
                                 "(the last autosave is kept until the new agent has been autosaved twice; "
                                 "export the agent first to keep it)."):
            return
        self.discard_agent()
        self.page.refresh_learner_sides()
        self.page.notify("New agent: press Train to start learning from fresh weights.")

    def restore_run(self, run: RunState, data: bytes) -> None:
        """An autosave back: weights, Adam state (given to the trainer with `data`), train step,
        hyperparameters, charts and snapshots; Train continues from there."""
        self.discard_agent()
        self.win_rate = run.win_rate
        self.show_hyperparameters(run.setup)
        self.begin_agent(run.setup, data, Agent(f"v{run.version}", run.version, run.train_steps, run.params,
                                                run.setup.model_config(), run.win_rate, run.name), run.telemetry)
        self.page.notify(f"Restored {run.name} v{run.version}: press Train to continue training it.")

    def train_from(self, agent: Agent) -> None:
        """Make a listed agent the learner's starting point (after a confirmation if there is a learner)."""
        if self.training is not None and not js.window.confirm(
                f"Replace the current agent (v{self.training.version}) with {agent.label} as the learner? Its "
                f"weights and charts are discarded (its last autosave is kept until the new agent has been "
                f"autosaved twice; export it first to keep it)."):
            return
        setup = replace(self.current_setup(), hidden_sizes=agent.model_config.hidden_sizes,
                        activation=agent.model_config.activation)
        self.discard_agent()
        self.begin_agent(setup, export_bytes(agent, setup), agent)
        self.page.notify(f"The learner starts from {agent.label}: press Train.")

    def learner_agent(self) -> Agent | None:
        """The learner's current weights as an Agent (None before there are any)."""
        training = self.training
        if training is None or training.policy is None:
            return None
        return Agent(f"v{training.version}", training.version, training.train_step, training.policy.params,
                     training.model, self.win_rate)

    # --- hyperparameters ---------------------------------------------------------------
    def setup_from_query(self) -> LiveSetup:
        """LiveSetup defaults, overridden by the page URL's query (?workers=1&envs=8&...)."""
        query = js.URLSearchParams.new(js.location.search)
        values = {"rollout_workers": LiveTraining.default_workers()}
        for key, field in QUERY_FIELDS.items():
            if query.has(key):
                text = query.get(key)
                if not text.isdigit():
                    raise ValueError(f"the URL parameter {key} must be a whole number, got {text!r}")
                values[field] = int(text)
        if query.has("hidden"):
            text = query.get("hidden")
            if not all(part.isdigit() and int(part) > 0 for part in text.split(",")):
                raise ValueError(f"the URL parameter hidden must be widths like 64,64, got {text!r}")
            values["hidden_sizes"] = tuple(int(part) for part in text.split(","))
        return LiveSetup(**values)

    def show_hyperparameters(self, setup: LiveSetup) -> None:
        form = element("hyper-form").elements
        ppo = setup.ppo_config()
        for name in PPO_FIELDS:
            form.namedItem(name).value = str(getattr(ppo, name))

    def apply_hyperparameters(self, event) -> None:
        """The panel's Apply: validate everything, then apply all of it or nothing."""
        event.preventDefault()
        form = element("hyper-form").elements
        values = {name: form.namedItem(name).value for name in (*PPO_FIELDS, *WORKER_FIELDS)}
        try:
            self.setup, ppo = apply_panel(self.current_setup(), values)
        except (TypeError, ValueError) as err:
            self.page.notify(f"Hyperparameters refused: {err}.")
            return
        if self.training is not None:
            self.training.set_hyperparameters(ppo)
            self.page.notify("PPO settings apply from the next update; worker settings at the next New agent.")
        else:
            self.page.notify("Settings saved; they apply when you press Train.")

    # --- telemetry -----------------------------------------------------------------------
    def telemetry_history(self) -> dict:
        return {chart.metric: [list(point) for point in chart.points] for chart in self.charts}

    def on_telemetry(self, report: dict) -> None:
        if "error" in report:
            set_status(error=report["error"], training=False)
            return
        if "worker_restarts" in report:
            set_status(worker_restarts=report["worker_restarts"])
            return
        if "restored_opponents" in report:
            set_status(restored_opponents=to_js(report["restored_opponents"]))
            return
        if "stage" in report:
            element("t-stage").textContent = report["stage"]
            set_status(stage=report["stage"])
            return
        steps = report.get("train_steps", 0)
        losses = {name: report.get(f"losses/{name}") for name in LOSS_NAMES}
        set_status(policy_version=report.get("policy_version"), train_steps=steps,
                   sps=round(report.get("charts/SPS") or 0.0, 1), updates=report.get("updates", 0),
                   losses=to_js(losses, dict_converter=js.Object.fromEntries))
        element("t-steps").textContent = f"{steps:,}"
        element("t-sps").textContent = f"{report.get('charts/SPS') or 0:,.0f}"
        element("t-updates").textContent = str(report.get("updates", 0))
        element("t-skipped").textContent = str(report.get("skipped_updates") or 0)
        if (report.get("rollbacks") or 0) > self.rollbacks_shown:
            self.rollbacks_shown = report["rollbacks"]
            self.page.notify(f"Losses were non-finite for several updates: rolled back to "
                             f"v{report.get('policy_version')} and halved the learning rate to "
                             f"{report.get('charts/learning_rate'):.3g}.")
        element("t-version").textContent = f"v{report.get('policy_version')}"
        ring = report.get("ring")
        if ring:
            element("t-ring").textContent = f"{ring['occupancy']}/{ring['slots']} (waits {ring['producer_waits']})"
        for chart in self.charts:
            chart.add(steps, report.get(chart.metric))
            chart.draw()

    def on_evaluation(self, report: dict) -> None:
        """The evaluator's result for one published version: wins/draws/losses vs scripted."""
        win_rate = report.get("win_rate")
        if win_rate is not None:
            self.win_rate = win_rate
        self.page.agents.on_evaluation(report)
        set_status(win_rate_vs_scripted=win_rate, evaluated_version=report["policy_version"])
        element("t-eval").textContent = (f"v{report['policy_version']}: {report['wins']}W {report['draws']}D "
                                         f"{report['losses']}L vs scripted")
        for chart in self.charts:
            if chart.metric == "eval/win_rate_vs_scripted":
                chart.add(report["train_steps"], win_rate)   # None (all draws) leaves no point
                chart.draw()
