"""The contest builder: a wizard for organisers (title and unit, teams, rounds, review), with
rehearsals and duplication. Its writes are in `services`, the roster workbook in `roster`."""
