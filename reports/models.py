# Models arrive with the reports work.
