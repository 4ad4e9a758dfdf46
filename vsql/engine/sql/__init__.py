"""The vsql SQL dialect and the planner that turns a statement into a LogicalPlan."""
