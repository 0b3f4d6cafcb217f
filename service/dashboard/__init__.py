"""The live dashboard: static HTML/CSS/JS served at `/`, and the `/ws/jobs` firehose socket."""
