"""Agent files: the `.dshq` container (`container.py`, safetensors) and what an agent file holds (`agent_file.py`)."""
