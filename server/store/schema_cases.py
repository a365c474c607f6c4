"""Migration 3: case records (issue 6). The cases work fills this in."""

CASES = """
-- case records: see server/store/sql_cases.py
"""
