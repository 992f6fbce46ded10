"""Provider organisations on the placement framework: lots, Ofsted, capabilities, vacancies."""
