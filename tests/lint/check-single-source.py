#!/usr/bin/env python3
"""One source of truth per fact (docs/development.md), checked over the non-test sources:
- each webhook event type's name is spelled, as a string literal, in exactly one file: the event
  catalogue, or (for the events terminals report, which the agent sends too) the MQTT contract's
  device event module, which the catalogue names them through; so a type cannot be emitted,
  validated or documented from a second list that drifts;
- the MQTT topic tree is spelled only in the contract module (common/.../contract/), which both
  the agent and the relay use (and, for scripts, the packaged broker ACL, checked against it).

usage: check-single-source.py SOURCE_DIR
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
catalogue = root / "relay/src/events/event_catalogue.cpp"
device_events = root / "common/src/contract/device_event.cpp"
homes = {name: catalogue
         for name in re.findall(r'\{EventType::\w+,\s*"([a-z_.]+)"', catalogue.read_text())}
homes.update({name: device_events for name in
              re.findall(r'\{DeviceEventType::\w+,\s*"([a-z_.]+)"', device_events.read_text())})
if len(homes) < 2:
    sys.exit(f"no event types found in {catalogue} or {device_events}: have they moved?")

sources = [p for folder in ("agent", "relay", "common", "bench") for p in (root / folder).rglob("*")
           if p.suffix in (".cpp", ".hpp", ".in", ".h", ".js", ".html") and p.is_file()]
# Scripts set up brokers and publish too: they take the topic tree from the packaged ACL.
scripts = [p for folder in ("scripts", "bench") for p in (root / folder).rglob("*")
           if p.suffix in (".sh", ".py", ".in") and p.is_file()]
problems = []
for name, home in homes.items():
    literal = f'"{name}"'
    for path in sources:
        text = path.read_text(errors="replace")
        # The console (JavaScript) takes the catalogue from GET /v1/event-types.
        if path != home and (literal in text or f"'{name}'" in text):
            problems.append(f"{path.relative_to(root)} spells {literal}; name it through "
                            f"events::EventType instead (relay/src/events/event_catalogue.hpp)")
contract_dirs = (root / "common/src/contract", root / "common/include/punchlink/contract")
for path in sources + scripts:
    if any(folder in path.parents for folder in contract_dirs):
        continue
    if "punchlink/v1/" in path.read_text(errors="replace"):
        problems.append(f"{path.relative_to(root)} spells an MQTT topic; use "
                        f"common/include/punchlink/contract/topics.hpp instead")
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
