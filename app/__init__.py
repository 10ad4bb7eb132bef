"""Main-thread Python of the page (runs under PyScript); show_match, session, run_state, autosave,
hyperparameters, event_log and network_player are pure Python and tested in CPython too."""
