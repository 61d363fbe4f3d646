# Models arrive with the domains work.
