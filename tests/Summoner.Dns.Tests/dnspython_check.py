#!/usr/bin/python3
# Differential check: parse each DNS message (one hex string per stdin line) with dnspython and
# print one JSON summary per line, or {"error": ...} when dnspython rejects it.
import json
import sys

import dns.message
import dns.rcode


def records(section):
    out = []
    for rrset in section:
        for rdata in rrset:
            out.append({"name": rrset.name.to_text().lower(), "type": int(rrset.rdtype),
                        "ttl": rrset.ttl, "rdata": rdata.to_text()})
    return out


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        msg = dns.message.from_wire(bytes.fromhex(line))
        print(json.dumps({
            "id": msg.id,
            "flags": msg.flags,
            "rcode": int(msg.rcode()),
            "edns": msg.edns,
            "payload": msg.payload if msg.edns >= 0 else 0,
            "question": [q.name.to_text().lower() for q in msg.question],
            "answer": records(msg.answer),
            "authority": records(msg.authority),
            "additional": records(msg.additional),
        }))
    except Exception as e:  # report, do not stop: the test counts failures
        print(json.dumps({"error": type(e).__name__ + ": " + str(e)}))
    sys.stdout.flush()
