"""The WGSL learner backend: PPO's forward, backward, loss and Adam as compute kernels (shaders/).

`backend.py` is the backend (rl.backend.Backend) over `network.py` (the MLP's
buffers and dispatch chain) and `kernels.py` (one pipeline per shader).
Runs in both hosts through `gpu/`.
"""
