"""Working with colleagues (seed 002): contacts, IM channels and their window, sending a business context."""
