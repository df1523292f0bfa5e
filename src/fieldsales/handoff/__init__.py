"""Hand-off to the field: what a rep takes along, written from a planned day.

- formats       the registry: format name -> file ending and writer; export_day
- sheet         the day sheet (DaySheet), as Markdown and as self-contained HTML
- calendar_gpx  ICS (one event per visit) and GPX (waypoints and the route)
- plan_json     the plan as JSON-ready data (`plan --json`, the .json file)
- links         Google Maps directions links in legs, QR codes

The plan's words (totals, lunch, ROI, value and why) come from planning.text.
"""
