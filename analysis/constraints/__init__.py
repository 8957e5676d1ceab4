"""Constraints: the planner's rules as small predicates, composed by one validator that the enumerator, the optimiser
and the sampler all consult."""
