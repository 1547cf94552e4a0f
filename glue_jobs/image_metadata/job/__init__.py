"""The Spark side: run arguments, manifest reading, the pipeline and its accounting."""
