# Models arrive with the accounts work.
