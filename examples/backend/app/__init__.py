"""The billing service (only its models matter to the example)."""
