#!/usr/bin/python3
# Sends the queries where Summoner once differed from NSD and prints one JSON object per probe:
# what dnspython (Debian's python3-dnspython) made of the answer. Usage: divergences_check.py PORT
import json
import sys

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring

port = int(sys.argv[1])
server = "127.0.0.1"


def summary(name, response):
    return {"probe": name, "rcode": dns.rcode.to_text(response.rcode()), "flags": dns.flags.to_text(response.flags),
            "answer": len(response.answer), "authority": [dns.rdatatype.to_text(r.rdtype) for r in response.authority]}


def probe(name, query, **kwargs):
    try:
        response = dns.query.udp(query, server, port=port, timeout=5, **kwargs)
        out = summary(name, response)
        if response.had_tsig or response.tsig_error:
            out["tsig_error"] = dns.rcode.to_text(response.tsig_error)
    except dns.tsig.PeerBadKey:
        out = {"probe": name, "tsig_error": "BADKEY", "raised": "PeerBadKey"}
    except Exception as e:  # report, do not stop: the test asserts on the line
        out = {"probe": name, "error": type(e).__name__ + ": " + str(e)}
    print(json.dumps(out))
    sys.stdout.flush()


keyring = dns.tsigkeyring.from_text({"unknown-key.": "c2VjcmV0c2VjcmV0c2VjcmV0"})
signed = dns.message.make_query("www.summoner.test", "A")
signed.use_tsig(keyring, keyname="unknown-key.", algorithm=dns.tsig.HMAC_SHA256)
probe("tsig", signed)

ixfr = dns.message.make_query("summoner.test", "IXFR")
ixfr.authority.append(dns.rrset.from_text("summoner.test.", 0, "IN", "SOA", "ns1.summoner.test. h.summoner.test. 1 2 3 4 5"))
probe("ixfr", ixfr)

probe("maila", dns.message.make_query("www.summoner.test", "MAILA"))
probe("mailb", dns.message.make_query("www.summoner.test", "MAILB"))

notify = dns.message.make_query("www.summoner.test", "SOA")
notify.set_opcode(dns.opcode.NOTIFY)
notify.flags |= dns.flags.RD | dns.flags.CD
probe("notify", notify)

query = dns.message.make_query("www.summoner.test", "A")
query.flags |= dns.flags.RD | dns.flags.CD
probe("query", query)
