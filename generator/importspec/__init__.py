"""`xgen import`: copy the live source statements the spec does not keep into its keep lists."""
