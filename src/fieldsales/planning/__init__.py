"""Route planning: one rep's day (or week) of visits and calls, from the ranking to a checked plan.

Pure modules (domain level: no database, no UI; plain data in, plain data out):

- day_model  the day as a model: places, candidates, pins, windows, costs;
             the planned day (DayPlan, Stop); PlanError
- schedule   timing an order of visits (lunch, windows), retime, prune
- check      the independent plan checker (every plan passes it before it is shown)
- engines    the one adapter to the routing engines (VROOM, PyVRP)
- improve    polish, reorder, best insertion ("add best")
- solve      one day model in, one verified plan out (engines + improve + check)
- workdays   working days, holidays and company closures
- worker     the warm solver process (runs engines.solve_default)

Service modules (use the ranking, the database through store/, or the app's words):

- planned_day  PlannedDay (model, plan, accounts, exclusions, ROI, locks, calls),
               PinRequest, Call
- candidates   the day model built from the ranked accounts (exclusions, values)
- calls        the day's call list and its talk scripts
- planner      plan_day, plan_week, replan_from_here
- edit         drop, move, add, add best, lock, re-optimise a planned day
- saved        save a plan as a route, mark its stops (SQL in store.routes)
- reopen       the latest saved plan of a day back into a PlannedDay
- text         every line and cell a plan is written with (CLI, Plan screen, day sheets)

This file holds no code: import the module you need, e.g.
`from fieldsales.planning import planner`.
"""
