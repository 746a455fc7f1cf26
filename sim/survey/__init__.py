"""Survey instruments: questions put to agents as experiment outcomes, and survey files."""
