# Models arrive with the scoring work.
