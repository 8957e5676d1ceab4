"""localign's analysis layer: plans, metrics, proposals, comparison and exports."""
