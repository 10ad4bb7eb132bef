"""The soccer programs around the learner: self-play env, evaluation, the training command.

`spec.py` names the observation/action spec versions a network depends on;
`selfplay.py` is the self-play vector env with its opponent pool;
`evaluation.py` plays full matches against a baseline (`python -m rl.evaluate`);
`train_cli.py` is `python -m rl.train`.
"""
