"""The site model: what the linked-data pages show, as plain functions over the served store."""
