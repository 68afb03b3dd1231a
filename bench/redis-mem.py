#!/usr/bin/env python3
"""bench/redis-mem.py: Redis memory and CPU per job (issue 17).

    bench/redis-mem.py [--jobs N] [--top DIR]

Starts a private redis-server (no persistence, on a unix socket in a
temporary directory) and runs N jobs (default 100000) through the real
scripts, each with lib.lua in front as src/store.c loads them: create.lua
with the arguments thumbq.fcgi sends for a POST of one thumbnail (a new
URL each, the default thumbnail_ttl and dedupe_ttl, an API key's id as
owner), then claim.lua and finish.lua with the arguments a worker child
sends for a completed job.  It prints, as one JSON line:

  bytes_per_job        INFO used_memory after the jobs finished less before,
                       over N: every key they left (the job's hash, its
                       dedupe key, its entry in the list of its minute of
                       ends, its refs set, the expiry entries)
  bytes_per_job_after_dedupe_ttl
                       the same once their dedupe keys are gone (deleted,
                       as dedupe_ttl, a day by default, expires them): what
                       a job costs for the rest of its thumbnail_ttl
  keys                 for each kind of key one job leaves: MEMORY USAGE
                       (of a sample, median) and OBJECT ENCODING
  create_us, claim_us, finish_us
                       INFO commandstats usec_per_call of EVALSHA, each
                       script measured on its own (CONFIG RESETSTAT between)
  lib_prelude_us       the same of lib.lua alone: what every script pays
                       before its own first line

Memory figures are exact; the microseconds are Redis's own CPU and do not
count the client, but another load on the machine still lengthens them.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Redis  # noqa: E402

PREFIX = "thumbq:"
TTL = str(2592000 + 86400)  # thumbnail_ttl's default + 1 day (store-job.c)
DEDUPE_TTL = "86400"
OPTS = "w=300;h=200;m=fit;f=auto;q=0;bg=-"
URL = "https://images.example.com/photos/2026/12/wallpaper-%07d.jpg"
OWNER = "k7Qm2xZp9aLd"  # an API key's id
BATCH = 1000


def script(top, name):
    with open(os.path.join(top, "src/lua/lib.lua")) as f:
        lib = f.read()
    with open(os.path.join(top, "src/lua", name)) as f:
        return lib + f.read()


def usec_per_call(r):
    for line in r.cmd("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_evalsha:"):
            kv = dict(x.split("=") for x in line.split(":", 1)[1].split(","))
            return float(kv["usec_per_call"])
    return None


def run(r, cmds):
    for i in range(0, len(cmds), BATCH):
        for rep in r.pipeline(cmds[i:i + BATCH]):
            if rep is None or rep == 0:
                raise RuntimeError("a script refused a job: %r" % rep)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=100000)
    ap.add_argument("--top", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    a = ap.parse_args()
    if not 1000 <= a.jobs <= 2000000:
        sys.exit("redis-mem.py: --jobs must be 1000 to 2000000")

    tmp = tempfile.mkdtemp(prefix="thumbq-redis-mem.")
    sock = os.path.join(tmp, "redis.sock")
    proc = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", sock,
                             "--save", "", "--appendonly", "no", "--dir", tmp],
                            stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        r = Redis(sock)
        sha = {n: r.cmd("SCRIPT", "LOAD", script(a.top, n + ".lua"))
               for n in ("create", "claim", "finish")}
        ids = [str(uuid.uuid4()) for _ in range(a.jobs)]
        url_of = {i: URL % n for n, i in enumerate(ids)}
        wid = "bench-host:0123456789ab"
        # One job first: the stats hash, the trend hash and the queues'
        # keys exist from then on, and are not a job's.
        r.cmd("EVALSHA", sha["create"], 0, PREFIX, str(uuid.uuid4()), URL % 9999999, OPTS,
              TTL, DEDUPE_TTL, "normal", "", OWNER, "", "", "")
        r.cmd("EVALSHA", sha["claim"], 0, PREFIX, wid, 600000, uuid.uuid4().hex)
        r.cmd("DEL", PREFIX + "pending:normal", PREFIX + "wake")
        r.cmd("CONFIG", "RESETSTAT")
        before = info_mem(r)

        run(r, [["EVALSHA", sha["create"], 0, PREFIX, i, URL % n, OPTS, TTL, DEDUPE_TTL,
                 "normal", "", OWNER, "", "", ""] for n, i in enumerate(ids)])
        create_us = usec_per_call(r)
        r.cmd("CONFIG", "RESETSTAT")
        # A child of its own for each claim, as a child holds a few jobs at
        # a time: one claim list of every job would make finish.lua's LREM
        # the cost measured.
        run(r, [["EVALSHA", sha["claim"], 0, PREFIX, "%s%012x" % (wid[:-12], n), 600000,
                 uuid.uuid4().hex] for n in range(len(ids))])
        claim_us = usec_per_call(r)
        r.cmd("CONFIG", "RESETSTAT")
        # The file name each claim gave (HSETNX), which the worker names
        # its thumbnail by, and the child holding it.
        got = []
        for k in range(0, len(ids), BATCH):
            got += r.pipeline([["HMGET", "%sjob:{%s}" % (PREFIX, i), "file", "lease"]
                               for i in ids[k:k + BATCH]])
        cmds = [["EVALSHA", sha["finish"], 0, PREFIX, i, g[1], "completed", 183211, "",
                 "path", "thumbnails/%s/%s/%s.webp" % (g[0][:2], g[0][2:4], g[0]),
                 "width", 300, "height", 169] for i, g in zip(ids, got)]
        r.cmd("CONFIG", "RESETSTAT")
        run(r, cmds)
        finish_us = usec_per_call(r)
        # What every script pays before its first line: lib.lua's body.
        with open(os.path.join(a.top, "src/lua/lib.lua")) as f:
            lib = r.cmd("SCRIPT", "LOAD", f.read() + "return 1")
        r.cmd("CONFIG", "RESETSTAT")
        run(r, [["EVALSHA", lib, 0, PREFIX] for _ in range(min(a.jobs, 20000))])
        prelude_us = usec_per_call(r)
        after = info_mem(r)

        keys = {}
        sample = ids[::max(1, len(ids) // 200)]
        kinds = {
            "job hash": lambda i: "%sjob:{%s}" % (PREFIX, i),
            # The key create.lua made: SHA1 of owner, options and URL.
            "dedupe string": lambda i: "%sdedupe:%s" % (PREFIX, hashlib.sha1(
                ("%s %s %s" % (OWNER, OPTS, url_of[i])).encode()).hexdigest()),
            "refs set": lambda i: PREFIX + "refs:" + (r.cmd("HGET", "%sjob:{%s}" % (PREFIX, i),
                                                              "path") or ""),
        }
        for kind, name in kinds.items():
            # A kind a job no longer leaves (a file of one job has no refs
            # set) is 0 bytes, "none".
            sizes, enc = [], set()
            for i in sample:
                k = name(i)
                used = k and r.cmd("MEMORY", "USAGE", k, "SAMPLES", "0")
                sizes.append(int(used or 0))
                enc.add(used and r.cmd("OBJECT", "ENCODING", k) or "none")
            keys[kind] = {"memory_usage": median(sizes), "encoding": ",".join(sorted(enc))}
        # The index of ended jobs: a list per minute of ends (ended_add()
        # in lib.lua), and the sorted set of the minutes.
        minutes = r.cmd("ZRANGE", PREFIX + "ended_minutes", 0, -1)
        lists = [PREFIX + "ended:" + m for m in minutes]
        used = sum(int(r.cmd("MEMORY", "USAGE", k, "SAMPLES", "0")) for k in lists)
        used += int(r.cmd("MEMORY", "USAGE", PREFIX + "ended_minutes", "SAMPLES", "0") or 0)
        entries = sum(int(r.cmd("LLEN", k)) for k in lists)
        keys["ended lists"] = {
            "memory_usage_per_member": round(used / max(1, entries), 1),
            "encoding": ",".join(sorted(set(r.cmd("OBJECT", "ENCODING", k) for k in lists))),
            "lists": len(lists)}
        job = "%sjob:{%s}" % (PREFIX, ids[0])
        fields = r.cmd("HGETALL", job)
        keys["job hash"]["fields"] = len(fields) // 2
        keys["job hash"]["field_bytes"] = sum(len(x) for x in fields[0::2])
        keys["job hash"]["value_bytes"] = sum(len(x) for x in fields[1::2])
        # dedupe_ttl (a day) is a thirtieth of thumbnail_ttl (30 days): for
        # most of its life a job has no dedupe key.  The same jobs once
        # their keys are gone (deleted here, as their expiry would).
        dkeys = [kinds["dedupe string"](i) for i in ids]
        for k in range(0, len(dkeys), BATCH):
            r.pipeline([["DEL", x] for x in dkeys[k:k + BATCH]])
        later = info_mem(r)
        out = {"jobs": a.jobs, "bytes_per_job": round((after - before) / a.jobs, 1),
               "bytes_per_job_after_dedupe_ttl": round((later - before) / a.jobs, 1),
               "used_memory_before": before, "used_memory_after": after,
               "dbsize": r.cmd("DBSIZE"), "keys": keys,
               "create_us": create_us, "claim_us": claim_us, "finish_us": finish_us,
               "lib_prelude_us": prelude_us,
               "redis": r.cmd("INFO", "server").split("redis_version:")[1].split()[0],
               "loadavg": open("/proc/loadavg").read().split()[:3]}
        print(json.dumps(out))
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


def info_mem(r):
    for line in r.cmd("INFO", "memory").splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    raise RuntimeError("no used_memory in INFO")


if __name__ == "__main__":
    main()
