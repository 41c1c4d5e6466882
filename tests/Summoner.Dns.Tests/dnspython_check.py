#!/usr/bin/python3
# Differential check: parse each DNS message (one hex string per stdin line) with dnspython and
# print one JSON summary per line, or {"error": ...} when dnspython rejects it.
import json
import sys

import dns.message
import dns.opcode
import dns.rcode


def records(section):
    out = []
    for rrset in section:
        for rdata in rrset:
            out.append({"name": rrset.name.to_text().lower(), "type": int(rrset.rdtype),
                        "ttl": rrset.ttl, "rdata": rdata.to_text()})
    return out


UNASSIGNED_OPCODES = set(range(16)) - {int(o) for o in dns.opcode.Opcode}

for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        wire = bytes.fromhex(line)
        opcode = (wire[2] >> 3) & 0xF if len(wire) > 2 else 0
        if opcode in UNASSIGNED_OPCODES:
            # dnspython has no value for unassigned opcodes; a NOTIMP answer copies them (RFC 1035 4.1.1),
            # so parse the rest with the opcode bits cleared and report the original.
            wire = wire[:2] + bytes([wire[2] & 0x87]) + wire[3:]
        msg = dns.message.from_wire(wire)
        print(json.dumps({
            "id": msg.id,
            "opcode": opcode,
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
        print(json.dumps({"error": type(e).__name__ + ": " + str(e) + " in " + line}))
    sys.stdout.flush()
