"""The warm handover (seed 001): discussions with their model and panels, the partner picker, the handover bar."""
