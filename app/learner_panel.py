"""The learner panel, a view of the session (app/session.py): Train/Stop,
New agent, the telemetry readouts and charts (with the league's Elo chart),
and the hyperparameter panel.

    Train / Stop   session.toggle_training(): the first Train begins a learner
                   with the URL's setup and the panel's hyperparameters; Blue
                   plays it if neither side does
    New agent      after a confirmation, session.new_agent(): the learner, its
                   charts and snapshots go; Train starts from fresh weights
    Apply          session.apply_hyperparameters(the form's values); each field is
                   checked as it is typed (app/hyperparameters.py's bounds): a bad
                   one is marked aria-invalid with the message beside it, and
                   Apply is disabled until every field is good
    Reset to defaults  fills in the URL setup's values without PPO overrides
    Restart trainer    shown while the trainer has stopped or stalled
                   (session "problem" "trainer"): session.restart_trainer()

The fields always show what the run trains with (the session's setup: the
URL's, the panel's once applied, or a restored run's), worker counts included.

It redraws on the session's events: a new or dropped learner, Train/Stop,
telemetry, worker reports, evaluations and league results.
"""

import js

from app.charts import make_charts
from app.dom import element, listen
from app.dshq import set_status
from app.hyperparameters import BOUNDS, default_values, form_errors, panel_values
from app.session import EVALUATION_METRIC, HISTORY

LOSS_NAMES = ("policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac", "explained_variance")


class LearnerPanel:
    def __init__(self, session):
        self.session = session
        self.charts = []
        self.rating_chart = None
        self.rollbacks_shown = 0

    def wire(self) -> None:
        session = self.session
        listen(element("train"), "click", lambda *_: session.toggle_training())
        listen(element("hyper-form"), "submit", self.apply_hyperparameters)
        listen(element("hyper-form"), "input", lambda *_: self.check_form())
        listen(element("reset-hyper"), "click", lambda *_: self.reset_hyperparameters())
        listen(element("restart-trainer"), "click", lambda *_: session.restart_trainer())
        self.add_error_slots()
        listen(element("new-agent"), "click", self.new_agent)
        listen(js.window, "pagehide", lambda *_: session.shutdown())
        for event, view in (("run", self.show_run), ("discarded", self.show_discarded),
                            ("training", self.show_training), ("telemetry", self.show_telemetry),
                            ("worker", self.show_worker_report), ("evaluation", self.show_evaluation),
                            ("league", self.draw_ratings),
                            ("restored", lambda run: self.show_hyperparameters(run.setup)),
                            ("problem", self.show_problem)):
            session.subscribe(event, view)
        self.charts, self.rating_chart = make_charts("charts", HISTORY)     # empty until training starts
        try:
            self.show_hyperparameters(session.current_setup())
        except (TypeError, ValueError):
            pass        # a bad URL setup: Train says what is wrong with it
        element("train").disabled = False

    # --- commands ------------------------------------------------------------------------
    def new_agent(self, *_) -> None:
        if self.session.run is None:
            self.session.notify("There is no agent yet: press Train to start one.")
            return
        if js.window.confirm("Start a new agent? The current weights, charts and snapshots are discarded "
                             "(the last autosave is kept until the new agent has been autosaved twice; "
                             "export the agent first to keep it)."):
            self.session.new_agent()

    def form_values(self) -> dict:
        form = element("hyper-form").elements
        return {name: form.namedItem(name).value for name in BOUNDS}

    def apply_hyperparameters(self, event) -> None:
        event.preventDefault()
        if self.check_form():
            self.session.apply_hyperparameters(self.form_values())

    def reset_hyperparameters(self) -> None:
        try:
            setup = self.session.default_setup()
            self.fill(default_values(setup, self.session.expected_engine(setup)))
        except (TypeError, ValueError) as err:
            self.session.notify(f"There are no defaults to fill in: {err}.")
            return
        self.session.notify("The project's default settings are filled in: press Apply to use them.")

    # --- the form's checks -----------------------------------------------------------------
    def add_error_slots(self) -> None:
        """A message element after each field, named by the field's aria-describedby."""
        form = element("hyper-form").elements
        for name, bound in BOUNDS.items():
            field = form.namedItem(name)
            slot = js.document.createElement("span")
            slot.id, slot.className, slot.hidden = f"{name}-error", "field-error", True
            field.parentElement.after(slot)
            field.setAttribute("aria-describedby", slot.id)
            field.parentElement.title = f"{name}: {bound.describe()}"

    def check_form(self) -> bool:
        """Mark each bad field (aria-invalid, its message beside it); Apply only while all are good."""
        try:
            setup = self.session.current_setup()
        except (TypeError, ValueError):
            return True          # Apply reports the URL's problem
        errors = form_errors(setup, self.form_values(), self.session.engine_name())
        form = element("hyper-form").elements
        for name in BOUNDS:
            message = errors.get(name)
            form.namedItem(name).setAttribute("aria-invalid", "true" if message else "false")
            slot = element(f"{name}-error")
            slot.textContent, slot.hidden = message or "", message is None
        element("apply-hyper").disabled = bool(errors)
        set_status(hyperparameter_errors=errors)
        return not errors

    def fill(self, values: dict) -> None:
        form = element("hyper-form").elements
        for name, text in values.items():
            form.namedItem(name).value = text
        self.check_form()

    # --- views -----------------------------------------------------------------------------
    def show_run(self, start) -> None:
        """A new learner: fresh charts (with its history, if restored) and, if it starts from an agent, its numbers."""
        self.charts, self.rating_chart = make_charts("charts", HISTORY)
        self.draw_charts()
        self.show_hyperparameters(self.session.setup)
        self.draw_ratings()
        if start is not None:
            element("t-version").textContent = f"v{start.version}"
            element("t-steps").textContent = f"{start.train_steps:,}"
            set_status(policy_version=start.version, train_steps=start.train_steps)

    def show_discarded(self) -> None:
        self.rollbacks_shown = 0
        self.charts, self.rating_chart = make_charts("charts", HISTORY)
        element("train").textContent = "Train"
        set_status(training=False, policy_version=None, train_steps=None, sps=None, updates=None, losses=None)

    def show_training(self, running: bool) -> None:
        element("train").textContent = "Stop" if running else "Train"
        set_status(training=running)
        self.draw_charts()        # empty charts now wait for their first value

    def show_hyperparameters(self, setup) -> None:
        """The fields as `setup` trains."""
        self.fill(panel_values(setup, self.session.engine_name()))

    def show_problem(self, key: str, text: str | None) -> None:
        """The trainer stopped or stalled (text), or runs again (None): the Restart trainer button."""
        if key != "trainer":
            return
        element("restart-trainer").hidden = text is None
        run = self.session.run
        if run is not None and not run.running:
            element("train").textContent = "Train"
        set_status(trainer_problem=text, training=bool(run and run.running))

    def draw_charts(self, metric: str | None = None) -> None:
        """Redraw every chart, or only `metric`'s."""
        started = self.session.run is not None and self.session.run.started
        for chart in self.charts:
            if metric in (None, chart.metric):
                chart.draw(self.session.history[chart.metric], started)

    def draw_ratings(self) -> None:
        if self.rating_chart is not None:
            league = self.session.league
            self.rating_chart.draw(league.snapshot_ratings(), league.league.config.anchor_rating,
                                   self.session.run is not None and self.session.run.started)

    def show_worker_report(self, report: dict) -> None:
        if "error" in report:
            set_status(error=report["error"], training=False)
        elif "worker_restarts" in report:
            set_status(worker_restarts=report["worker_restarts"])
        elif "restored_opponents" in report:
            set_status(restored_opponents=report["restored_opponents"])
        elif "trainer_kernels" in report:
            set_status(trainer_kernels=report["trainer_kernels"])
        elif "engine" in report:
            engine = report["engine"]
            element("t-engine").textContent = f"{engine['name']} ({'software' if engine['software'] else 'GPU'})"
            element("t-engine").title = f"{engine['adapter']}: {engine['reason']}"
            set_status(engine=engine)
        else:
            element("t-stage").textContent = report["stage"]
            set_status(stage=report["stage"])

    def show_telemetry(self, report: dict) -> None:
        steps = report.get("global_step", 0)        # the trainer's learner-loop entry (rl/loop.py)
        losses = {name: report.get(f"losses/{name}") for name in LOSS_NAMES}
        set_status(policy_version=report.get("policy_version"), train_steps=steps,
                   sps=round(report.get("charts/SPS") or 0.0, 1), updates=report.get("update", 0), losses=losses)
        element("t-steps").textContent = f"{steps:,}"
        element("t-sps").textContent = f"{report.get('charts/SPS') or 0:,.0f}"
        element("t-updates").textContent = str(report.get("update", 0))
        element("t-skipped").textContent = str(report.get("skipped_updates") or 0)
        if (report.get("rollbacks") or 0) > self.rollbacks_shown:
            self.rollbacks_shown = report["rollbacks"]
            self.session.notify(f"Losses were non-finite for several updates: rolled back to "
                                f"v{report.get('policy_version')} and halved the learning rate to "
                                f"{report.get('charts/learning_rate'):.3g}.")
        element("t-version").textContent = f"v{report.get('policy_version')}"
        ring = report.get("ring")
        if ring:
            element("t-ring").textContent = (f"{ring['occupancy']} of {ring['slots']} "
                                             f"(workers waited {ring['producer_waits']}×)")
        self.draw_charts()

    def show_evaluation(self, report: dict) -> None:
        """The evaluator's result for one published version: wins/draws/losses vs scripted."""
        set_status(win_rate_vs_scripted=report.get("win_rate"), evaluated_version=report["policy_version"])
        element("t-eval").textContent = (f"v{report['policy_version']}: {report['wins']}W {report['draws']}D "
                                         f"{report['losses']}L vs scripted")
        self.draw_charts(EVALUATION_METRIC)
