"""Static conformance rules over the reflected catalog."""
