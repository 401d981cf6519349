"""Demo data: real pilots (HOMERe, PALIM, MENTOR 2, Digital Explorers, MATCH, WAFIRA, YGCA,
MOVE_GREEN) replayed through the public API.

``demo.scenarios`` draws each pilot's people and story from a fixed seed (``demo.plan`` holds
the data, ``demo.pool`` and ``demo.people`` the shared building blocks), ``demo.play`` plays
it through the gateway with real tokens, and ``demo.seed`` runs it with a progress bar and
prints what is there and how to log in: ``pathways demo homere`` or ``make dev DEMO=homere``.
"""
