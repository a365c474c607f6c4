"""Cases (seed 003): the case panel, the case list and the wiring of both (and the SLA warnings) into the app."""
