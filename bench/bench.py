#!/usr/bin/python3
"""bench/bench.py: the measurements of bench/run (see bench/run for usage).

bench/run installs what is missing, builds thumbq and the null responder,
then runs this with Debian's /usr/bin/python3 (python3-pil is Debian's).
Everything runs on loopback ports and unix sockets under one temporary
directory; every process started here is stopped here, by its pid.

Order of a run:
  1. corpus: every .jpg/.png/.webp of the three Debian wallpaper packages,
     symlinks resolved and deduplicated, screenshots excluded; a manifest
     with, for each image, what thumbqd's pipeline does to it (src/image.c:
     JPEG size hint, box fit, Scale+Lanczos or Lanczos, JPEG or PNG out);
  2. the origin: lighttpd on 127.0.0.1 serving the corpus;
  3. thumbq through tools/services (redis, thumbqd, lighttpd + thumbq.fcgi)
     and the API floor: a second lighttpd with the very same configuration
     but bench/null-fcgi in place of thumbq.fcgi, plus one static file;
  4. rounds, each: gm batch, thumbq end to end, vipsthumbnail and Pillow
     on the corpus (interleaved so that the load of other users of the
     machine spreads over all of them);
  5. latency idle and under load, 1/4/8 children, peak RSS, the 500 ms
     origin;
  6. wrk against the API and its floors (thumbqd stopped: its children
     would otherwise thumbnail the POSTed jobs on the same cores; and
     POST once more with it running, as on a server); Redis memory and
     CPU per job through the real scripts (bench/redis-mem.py);
  7. the table and one JSON line.
--only runs some of the phases of 4-6 (corpus, latency, scaling, rss,
slow_origin, api, redis), with only the setup they need: the API phase alone
needs no corpus (its origin serves one test image, for the job that the
GET target reads) and no imaging floors.
"""
import argparse
import datetime
import hashlib
import http.client
import itertools
import json
import math
import multiprocessing
import os
import random
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

PKGS = ["mate-backgrounds", "plasma-workspace-wallpapers", "gnome-backgrounds"]
EXTS = (".jpg", ".jpeg", ".png", ".webp")
BOX = 100          # thumbnail_width = thumbnail_height default of thumbq.conf
QUALITY = 85       # jpeg_quality default
PREFIX = "thumbq:"  # redis_prefix default
LATENCY_IMAGE = "backgrounds_mate_abstract_Elephants.jpg"  # the 1920x1080 JPEG

T0 = time.monotonic()

# The phases, in the order a run measures them (--only picks some).
PHASES = ["corpus", "latency", "scaling", "rss", "slow_origin", "variants", "priority",
          "api", "redis"]
# The variants phase (issue 20): a srcset's three sizes in one job against
# the largest of them alone, over the corpus; the target is less than 1.5x
# the CPU.
VARIANTS = [{"width": 800, "height": 800}, {"width": 400, "height": 400},
            {"width": 200, "height": 200}]
VARIANTS_TARGET = 1.5
# The priority phase (issue 17): a high-priority probe (a 2560x1600 JPEG)
# submitted one at a time, 0.1-0.3 s apart (people waiting on pages), its
# submit->completed p99 on an idle service and under a flood of low-priority
# work: PRIORITY_CLIENTS clients each keep a batch of PRIORITY_BATCH corpus
# jobs going (the next batch as soon as the last of theirs finishes); the
# flood's throughput is counted with and without the probes over the same
# window.  Each setting of thumbq.conf in PRIORITY_CONFIGS is measured so,
# in the same run: the first is the behaviour before interactive_workers.
# The targets apply to the last.
PRIORITY_CLIENTS = 2
PRIORITY_BATCH = 16
PRIORITY_WARM_S = 3
PRIORITY_CONFIGS = [
    ("interactive_workers 0", {"interactive_workers": 0, "worker_nice": 0}),
    ("interactive_workers 1, worker_nice 0", {"interactive_workers": 1, "worker_nice": 0}),
    ("interactive_workers 1, worker_nice 10", {"interactive_workers": 1, "worker_nice": 10}),
]
PRIORITY_TARGET_RATIO = 3.0
PRIORITY_TARGET_TPUT = 0.9
# The slow origin's throughput is measured over the corpus submitted this
# many times: its first answer comes 500 ms after the first POST whatever
# thumbq does, which is an eighth of one pass, and that is latency, not
# throughput.
SLOW_ORIGIN_PASSES = 3
# The redis phase (issue 17): jobs run through create, claim and finish on
# a private redis-server; the targets are per finished job.
REDIS_JOBS = 100000
REDIS_BYTES_TARGET = 250
REDIS_CREATE_US_TARGET = 25


def log(msg):
    print("bench: [%5.0fs] %s" % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)


def die(msg):
    raise SystemExit("bench: " + msg)


# ------------------------------------------------------------------ stats

def median(xs):
    return statistics.median(xs) if xs else None


def pct(xs, p):
    """Nearest-rank percentile."""
    if not xs:
        return None
    s = sorted(xs)
    k = max(1, math.ceil(p / 100.0 * len(s)))
    return s[k - 1]


def rnd(x, n=2):
    return None if x is None else round(x, n)


# ------------------------------------------------------------------ corpus

def fit(w, h, bw, bh):
    """geometry_fit() of src/geometry.c."""
    if w <= bw and h <= bh:
        return w, h
    if w * bh >= h * bw:
        n = h * bw / w + 0.5
        return bw, (1 if n < 1 else int(n))
    n = w * bh / h + 0.5
    return (1 if n < 1 else int(n)), bh


def plan(fmt, w, h):
    """What image_thumbnail() does to a w x h image of format fmt:
    (hint, resize, tw, th) with resize one of hint/lanczos/scale/none."""
    tw, th = fit(w, h, BOX, BOX)
    hint = None
    if fmt == "JPEG":
        a, b = fit(w, h, BOX, BOX)
        if not (a * 2 >= w or b * 2 >= h):
            hint = "%dx%d" % (a * 2, b * 2)
    if w == tw and h == th:
        resize = "none"
    elif hint:
        resize = "hint"
    elif w < tw * 4 or h < th * 4:
        resize = "lanczos"
    else:
        resize = "scale"
    return hint, resize, tw, th


def corpus_files():
    files = {}
    for p in PKGS:
        out = subprocess.run(["dpkg", "-L", p], capture_output=True, text=True)
        if out.returncode != 0:
            die("package %s is not installed" % p)
        for f in out.stdout.splitlines():
            if not f.lower().endswith(EXTS) or not os.path.isfile(f):
                continue
            rp = os.path.realpath(f)
            if "screenshot" in os.path.basename(f).lower() or \
                    "screenshot" in os.path.basename(rp).lower():
                continue
            files.setdefault(rp, p)
    return sorted(files.items())


def corpus_name(path):
    name = path[len("/usr/share/"):] if path.startswith("/usr/share/") else path.lstrip("/")
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def fingerprint(files):
    h = hashlib.sha1()
    for path, pkg in files:
        st = os.stat(path)
        h.update(("%s %s %d %d\n" % (path, pkg, st.st_size, int(st.st_mtime))).encode())
    gmv = subprocess.run(["gm", "version"], capture_output=True, text=True).stdout.split("\n")[0]
    h.update(gmv.encode())
    return h.hexdigest()[:16]


def build_manifest(cache):
    """The corpus with each image's plan; cached in CACHE/manifest-FP.json."""
    from PIL import Image
    files = corpus_files()
    fp = fingerprint(files)
    mpath = os.path.join(cache, "manifest-%s.json" % fp)
    if os.path.exists(mpath):
        with open(mpath) as f:
            return json.load(f), mpath
    log("building the corpus manifest (%d images; cached afterwards)" % len(files))
    items = []
    for path, pkg in files:
        im = Image.open(path)
        fmt = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}.get(im.format)
        if fmt is None:
            continue
        w, h = im.size
        # thumbqd writes PNG only when a pixel is transparent; GM decides
        # after the resize, this on the source (checked against thumbqd's
        # own output after the first end-to-end run).
        alpha = False
        if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
            a = im.convert("RGBA").getchannel("A")
            alpha = a.getextrema()[0] < 255
        hint, resize, tw, th = plan(fmt, w, h)
        items.append({
            "name": corpus_name(path), "path": path, "package": pkg, "format": fmt,
            "width": w, "height": h, "bytes": os.path.getsize(path),
            "hint": hint, "resize": resize, "tw": tw, "th": th,
            "out": "png" if alpha else "jpg", "cost": None,
        })
    names = [i["name"] for i in items]
    if len(set(names)) != len(names):
        die("two corpus images map to the same name")
    os.makedirs(cache, exist_ok=True)
    with open(mpath + ".tmp", "w") as f:
        json.dump(items, f, indent=1)
    os.replace(mpath + ".tmp", mpath)
    return items, mpath


def gm_command(item, outdir):
    """The gm convert line that does what thumbqd's pipeline does: the JPEG
    size hint (DCT scaling), box average to twice the box then Lanczos for
    big non-JPEG images, Lanczos alone otherwise, strip, depth 8, q85."""
    a = ["convert"]
    if item["hint"]:
        a += ["-size", item["hint"]]
    a.append(item["path"])
    tw, th = item["tw"], item["th"]
    if item["resize"] == "scale":
        a += ["-scale", "%dx%d!" % (tw * 2, th * 2)]
    if item["resize"] != "none":
        a += ["-filter", "Lanczos", "-resize", "%dx%d!" % (tw, th)]
    a += ["-strip", "-depth", "8"]
    if item["out"] == "jpg":
        a += ["-quality", str(QUALITY)]
    a.append(os.path.join(outdir, "%s.%s" % (item["name"], item["out"])))
    return " ".join(shlex.quote(x) for x in a)


def lpt_split(items, n):
    """Longest processing time first: n lists of items with balanced cost."""
    bins = [[0.0, []] for _ in range(n)]
    for it in sorted(items, key=lambda i: -i["cost"]):
        b = min(bins, key=lambda x: x[0])
        b[0] += it["cost"]
        b[1].append(it)
    return [b[1] for b in bins]


# ------------------------------------------------------------------ processes

ENV1 = dict(os.environ, OMP_NUM_THREADS="1", VIPS_CONCURRENCY="1")
for _v in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    ENV1.pop(_v, None)


def run_parallel(cmds, timeout, env=ENV1):
    """Starts every command at once; wall seconds until the last exits."""
    t = time.monotonic()
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for c in cmds]
    errs = []
    for p in procs:
        try:
            _, err = p.communicate(timeout=max(1, timeout - (time.monotonic() - t)))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            die("timed out: %s" % cmds)
        if p.returncode != 0:
            errs.append("%s exited %d: %s" % (cmds[procs.index(p)][0], p.returncode,
                                               err.decode(errors="replace")[-500:]))
    wall = time.monotonic() - t
    if errs:
        die("floor command failed: %s" % errs[0])
    return wall


def cpu_of(pids):
    """CPU seconds (user + system) the live processes pids have used."""
    t = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                st = f.read()
        except OSError:
            continue
        r = st[st.rfind(")") + 2:].split()
        t += int(r[11]) + int(r[12])
    return t / os.sysconf("SC_CLK_TCK")


def runqueue_wait(pids):
    """Seconds the threads of pids have spent runnable but waiting for a
    CPU (schedstat): on a shared machine, the time other users took."""
    t = 0
    for p in pids:
        try:
            for tid in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/schedstat" % (p, tid)) as f:
                    t += int(f.read().split()[1])
        except OSError:
            continue
    return t / 1e9


def machine_busy():
    """CPU seconds the whole machine has been busy (steal included)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def self_cpu():
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime, c.ru_utime + c.ru_stime


class Meter:
    """Wall time, the CPU time of given processes (and of this script and
    its waited-for children), and what the rest of the machine used
    meanwhile: on a shared machine, `others` (in cores) says how much of
    it other users took during the measurement."""

    def __init__(self, pids=()):
        self.pids = list(pids)

    def __enter__(self):
        self.w0 = time.monotonic()
        self.p0 = cpu_of(self.pids)
        self.s0, self.c0 = self_cpu()
        self.m0 = machine_busy()
        return self

    def __exit__(self, *exc):
        self.wall = time.monotonic() - self.w0
        s1, c1 = self_cpu()
        self.pcpu = cpu_of(self.pids) - self.p0
        self.ccpu = c1 - self.c0
        self.scpu = s1 - self.s0
        self.ours = self.pcpu + self.ccpu + self.scpu
        self.others = max(0.0, (machine_busy() - self.m0 - self.ours) / self.wall)
        return False


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proc_status(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def children_of(ppid, comm=None):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(")") + 2:].split()
        name = st[st.find("(") + 1:st.rfind(")")]
        if int(rest[1]) == ppid and rest[0] != "Z" and (comm is None or name == comm):
            out.append(int(d))
    return out


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def stop_pid(pid, wait=10):
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# ------------------------------------------------------------------ redis

class Redis:
    """Just enough RESP over the unix socket of the run directory."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.f = self.sock.makefile("rb")

    @staticmethod
    def _enc(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def _read(self):
        line = self.f.readline()
        if not line:
            raise ConnectionError("redis closed the connection")
        t, rest = line[:1], line[1:-2]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError("redis: " + rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            return self.f.read(n + 2)[:-2].decode()
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RuntimeError("redis: unexpected reply %r" % line)

    def pipeline(self, cmds):
        if not cmds:
            return []
        self.sock.sendall(b"".join(self._enc(c) for c in cmds))
        return [self._read() for _ in cmds]

    def cmd(self, *args):
        return self.pipeline([list(args)])[0]


def jobkey(i):
    return "%sjob:{%s}" % (PREFIX, i)


# ------------------------------------------------------------------ the bench

class Bench:
    def __init__(self, a):
        self.a = a
        self.top = a.top
        self.builddir = a.builddir
        self.quick = a.quick
        self.nproc = os.cpu_count() or 1
        self.rounds = 1 if a.quick else a.rounds
        self.wrk_s = 3 if a.quick else 8
        self.probes = 10 if a.quick else 30
        self.work = tempfile.mkdtemp(prefix="tqb.", dir="/tmp")
        # As root, tools/services runs thumbq as its service user, which
        # must reach the run directory inside (mkdtemp makes it 0700).
        os.chmod(self.work, 0o711)
        self.rundir = os.path.join(self.work, "svc")
        self.cleanups = []
        self.res = {}
        self.notes = []
        self.redis = None
        self.http = None
        self.seq = itertools.count(1)
        self.scaling = {}
        self.only = a.only or PHASES

    # -------------------------------------------------------------- setup

    def corpus(self):
        self.items, self.manifest_path = build_manifest(self.a.cache)
        self.by_name = {i["name"]: i for i in self.items}
        if LATENCY_IMAGE not in self.by_name:
            die("the 1920x1080 JPEG %s is not in the corpus" % LATENCY_IMAGE)
        fmts = {}
        for i in self.items:
            fmts[i["format"]] = fmts.get(i["format"], 0) + 1
        self.res["corpus"] = {
            "images": len(self.items), "bytes": sum(i["bytes"] for i in self.items),
            "formats": fmts, "packages": PKGS,
            "largest_jpeg": self.largest("JPEG"),
            "largest_png": self.largest("PNG"),
            "largest_webp": self.largest("WEBP"),
        }
        log("corpus: %d images (%s), %.0f MB" % (len(self.items), fmts,
                                                 self.res["corpus"]["bytes"] / 1e6))

    def largest(self, fmt):
        """The image of format fmt with the most pixels, the biggest file
        among equals."""
        return max((i for i in self.items if i["format"] == fmt),
                   key=lambda i: (i["width"] * i["height"], i["bytes"]))["name"]

    def service_pids(self):
        """thumbqd (master and children), redis, the API's lighttpd and its
        thumbq.fcgi processes."""
        pids = []
        m = self.master_pid()
        if m:
            pids += [m] + children_of(m)
        for name in ("redis", "lighttpd"):
            p = read_pid(os.path.join(self.rundir, name + ".pid"))
            if p:
                pids.append(p)
                if name == "lighttpd":
                    pids += children_of(p)
        return pids

    def start_origin(self, files=None, probe=LATENCY_IMAGE):
        """The origin: lighttpd on loopback serving files ((name, path)
        pairs; by default the corpus)."""
        odir = os.path.join(self.work, "origin")
        docroot = os.path.join(odir, "htdocs")
        os.makedirs(docroot)
        if files is None:
            files = [(i["name"], i["path"]) for i in self.items]
        for name, path in files:
            os.symlink(path, os.path.join(docroot, name))
        self.origin_docroot = docroot
        self.origin_port = free_port()
        conf = os.path.join(odir, "lighttpd.conf")
        with open(conf, "w") as f:
            f.write('server.modules = ( "mod_accesslog" )\n'
                    'server.document-root = "%s"\n'
                    'server.bind = "127.0.0.1"\n'
                    'server.port = %d\n'
                    'server.pid-file = "%s/lighttpd.pid"\n'
                    'server.errorlog = "%s/error.log"\n'
                    'mimetype.assign = ( ".jpg" => "image/jpeg", ".png" => "image/png",'
                    ' ".webp" => "image/webp" )\n'
                    % (docroot, self.origin_port, odir, odir))
        self.start_lighttpd(conf, os.path.join(odir, "lighttpd.pid"))
        self.origin = "http://127.0.0.1:%d" % self.origin_port
        self.wait_http(self.origin + "/" + probe, 200)
        log("origin: lighttpd at %s" % self.origin)

    def start_lighttpd(self, conf, pidfile):
        r = subprocess.run(["/usr/sbin/lighttpd", "-f", conf], env=ENV1,
                           capture_output=True, text=True)
        if r.returncode != 0:
            die("lighttpd -f %s failed: %s" % (conf, r.stderr))
        for _ in range(100):
            pid = read_pid(pidfile)
            if pid:
                break
            time.sleep(0.05)
        else:
            die("lighttpd -f %s wrote no pid" % conf)
        self.cleanups.append(lambda: stop_pid(read_pid(pidfile)))

    def wait_http(self, url, code, timeout=15):
        m = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                c = http.client.HTTPConnection(m.group(1), int(m.group(2)), timeout=2)
                c.request("GET", m.group(3))
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == code:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        die("%s does not answer %d" % (url, code))

    def services(self, *args, env=None):
        e = dict(os.environ)
        e.update(env or {})
        e["THUMBQ_BUILDDIR"] = self.builddir
        r = subprocess.run([os.path.join(self.top, "tools/services")] + list(args),
                           env=e, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            die("tools/services %s failed:\n%s%s" % (" ".join(args), r.stdout, r.stderr))

    def start_thumbq(self):
        self.api_port = free_port()
        self.services("start", self.rundir, env={
            "THUMBQ_PORT": str(self.api_port),
            "THUMBQ_FETCH_ALLOW_NETWORKS": "127.0.0.0/8, ::1",
            "THUMBQ_WORKERS": str(self.nproc),
            # The other phases measure children that take every job, at
            # the master's nice level (as BENCHMARKS.md's history did; on
            # a shared machine a niced child would also yield to the other
            # users): the priority phase sets these keys itself.
            "THUMBQ_INTERACTIVE_WORKERS": "0",
            "THUMBQ_WORKER_NICE": "0",
        })
        self.cleanups.append(lambda: self.services("stop", self.rundir))
        self.workers = self.nproc
        self.conf_set = {"workers": self.nproc, "interactive_workers": 0, "worker_nice": 0}
        self.redis = Redis(os.path.join(self.rundir, "redis.sock"))
        self.http = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=10)
        self.wait_children(self.nproc)
        log("thumbq: API at http://127.0.0.1:%d, %d workers, run directory %s"
            % (self.api_port, self.nproc, self.rundir))

    def master_pid(self):
        return read_pid(os.path.join(self.rundir, "thumbqd.pid"))

    def worker_pids(self):
        """thumbqd's image workers: its children that the log says were
        spawned as children (thumbqd may also run webhook couriers)."""
        m = self.master_pid()
        if not m:
            return []
        try:
            with open(os.path.join(self.rundir, "thumbqd.log"), errors="replace") as f:
                spawned = set(int(x) for x in re.findall(r"event=child_spawned pid=(\d+)", f.read()))
        except OSError:
            return []
        return [p for p in children_of(m) if p in spawned]

    def wait_children(self, n, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.worker_pids()) == n:
                time.sleep(0.3)  # each child connects to Redis on its first claim
                return self.worker_pids()
            time.sleep(0.05)
        die("thumbqd did not start %d children" % n)

    def set_workers(self, n, **keys):
        """Restarts thumbqd with n children, and the other thumbq.conf keys
        given, if that changes anything (the run directory's thumbq.conf is
        edited; redis and lighttpd keep running)."""
        want = dict(self.conf_set, workers=n, **keys)
        if want == self.conf_set and self.master_pid():
            return
        self.services("stop", self.rundir, "thumbqd")
        conf = os.path.join(self.rundir, "thumbq.conf")
        with open(conf) as f:
            text = f.read()
        for k, v in want.items():
            text, found = re.subn(r'(?m)^%s = .*$' % k, '%s = "%s"' % (k, v), text)
            if not found:
                text += '%s = "%s"\n' % (k, v)
        with open(conf, "w") as f:
            f.write(text)
        self.services("start", self.rundir, "thumbqd")
        self.workers = n
        self.conf_set = want
        self.wait_children(n + int(want.get("interactive_workers", 0)))

    def start_floor_api(self):
        """The do-nothing FastCGI responder behind the very same lighttpd
        configuration: tools/services' lighttpd.conf with the responder, the
        run directory, the docroot and the port changed."""
        fdir = os.path.join(self.work, "floor")
        docroot = os.path.join(fdir, "docroot")
        os.makedirs(os.path.join(docroot, "thumbnails"))
        with open(os.path.join(docroot, "small.json"), "w") as f:
            f.write('{ "id": "00000000-0000-4000-8000-000000000000", "url": '
                    '"http://127.0.0.1:1/x.jpg", "status": "queued", "attempts": 0 }\n')
        with open(os.path.join(self.rundir, "lighttpd.conf")) as f:
            text = f.read()
        self.floor_port = free_port()
        subs = [
            (r'(?m)^var\.thumbq_fcgi\s*=.*$', 'var.thumbq_fcgi    = "%s"' % self.a.null_fcgi),
            (r'(?m)^var\.thumbq_rundir\s*=.*$', 'var.thumbq_rundir  = "%s"' % fdir),
            (r'(?m)^var\.thumbq_docroot\s*=.*$', 'var.thumbq_docroot = "%s"' % docroot),
            (r'(?m)^server\.port\s*=.*$', 'server.port            = %d' % self.floor_port),
        ]
        for pat, rep in subs:
            text, n = re.subn(pat, rep.replace("\\", "\\\\"), text)
            if n != 1:
                die("cannot adapt %s/lighttpd.conf (%s)" % (self.rundir, pat))
        # This lighttpd daemonises (tools/services' runs in the foreground
        # and writes no pid file) and stays the user that runs the bench,
        # who owns fdir and its logs.
        text = re.sub(r'(?m)^(server\.(?:username|groupname)\b)', r'#\1', text)
        text += 'server.pid-file = "%s"\n' % os.path.join(fdir, "lighttpd.pid")
        conf = os.path.join(fdir, "lighttpd.conf")
        with open(conf, "w") as f:
            f.write(text)
        self.start_lighttpd(conf, os.path.join(fdir, "lighttpd.pid"))
        self.floor = "http://127.0.0.1:%d" % self.floor_port
        self.wait_http(self.floor + "/small.json", 200)
        self.wait_http(self.floor + "/v1/thumbnails", 201)
        log("API floor: lighttpd + null-fcgi at %s" % self.floor)

    # -------------------------------------------------------------- jobs

    def url(self, name, base=None):
        """The origin URL of a corpus image, made unique by a query string
        that the origin ignores: thumbq answers a repeated URL from its
        dedupe key without doing the work, and the benchmark wants the
        work (every submission of a real client is a new image)."""
        return "%s/%s?b=%d-%d" % (base or self.origin, name, os.getpid(), next(self.seq))

    def post(self, url, extra=None):
        body = json.dumps(dict({"url": url}, **(extra or {})))
        for attempt in range(2):
            try:
                self.http.request("POST", "/v1/thumbnails", body=body,
                                  headers={"Content-Type": "application/json"})
                r = self.http.getresponse()
                data = r.read()
                break
            except (OSError, http.client.HTTPException):
                self.http.close()
                if attempt:
                    raise
        if r.status != 201:
            die("POST %s: %d %s" % (url, r.status, data[:200]))
        return json.loads(data)["id"]

    def wait_jobs(self, ids, timeout, interval=0.05):
        pending = list(ids)
        end = time.monotonic() + timeout
        while pending:
            time.sleep(interval)
            st = self.redis.pipeline([["HGET", jobkey(i), "status"] for i in pending])
            pending = [i for i, s in zip(pending, st) if s not in ("completed", "failed")]
            if time.monotonic() > end:
                die("%d jobs not finished after %d s" % (len(pending), timeout))
        fields = ["status", "created", "updated", "width", "height", "path", "error_code",
                  "error_message"]
        out = {}
        for i, v in zip(ids, self.redis.pipeline([["HMGET", jobkey(i)] + fields for i in ids])):
            out[i] = dict(zip(fields, v))
        return out

    def e2e(self, base=None, timeout=600, check=False, passes=1):
        """Submits the whole corpus through the API (biggest first, so no big
        image comes last), passes times over, and waits for every job; the
        wall time runs from the first POST to the last completion that Redis
        recorded."""
        base = base or self.origin
        order = sorted(self.items, key=lambda i: -(i["cost"] or 0)) * passes
        workers = self.worker_pids()
        rq0 = runqueue_wait(workers)
        with Meter(self.service_pids()) as m:
            t0 = time.time()
            ids = [(self.post(self.url(it["name"], base)), it) for it in order]
            t_sub = time.time() - t0
            jobs = self.wait_jobs([i for i, _ in ids], timeout)
        end = max(int(j["updated"]) for j in jobs.values()) / 1000.0
        wall = end - t0
        failed = [(it["name"], jobs[i]["error_code"], jobs[i]["error_message"])
                  for i, it in ids if jobs[i]["status"] != "completed"]
        if failed:
            die("%d jobs failed, e.g. %s" % (len(failed), failed[0]))
        if check:
            self.check_outputs(ids, jobs)
        self.completed_id = ids[0][0]
        return {"wall_s": wall, "jobs_s": len(ids) / wall, "submit_s": t_sub,
                "cpu_s": m.pcpu, "others": m.others,
                "rq_wait_s": runqueue_wait(workers) - rq0}

    def check_outputs(self, ids, jobs):
        """thumbqd's thumbnails against the manifest, so that the gm batch
        floor provably does the same operations: same size, same format."""
        bad = []
        for i, it in ids:
            j = jobs[i]
            ext = j["path"].rsplit(".", 1)[-1]
            if (int(j["width"]), int(j["height"])) != (it["tw"], it["th"]) or ext != it["out"]:
                bad.append("%s: thumbqd %sx%s .%s, manifest %dx%d .%s" % (
                    it["name"], j["width"], j["height"], ext, it["tw"], it["th"], it["out"]))
        if bad:
            self.notes.append("thumbqd output differs from the gm floor's plan for %d images: %s"
                              % (len(bad), "; ".join(bad[:3])))
            log("WARNING: " + self.notes[-1])
        else:
            log("check: thumbqd's %d thumbnails have the sizes and formats the gm floor makes"
                % len(ids))

    def probe_latency(self, n, load):
        """Submit->completed of the 1920x1080 JPEG, one probe at a time.
        Under load, `workers` corpus jobs are kept outstanding all along, so
        every child is busy and the probe waits for one to come free, as a
        job does on a busy server.  The latency is measured from just before
        the POST to the completion time Redis recorded (the poll interval
        does not add to it)."""
        lats = []
        bg = []
        cycle = [it for it in self.items]
        random.Random(5).shuffle(cycle)
        k = 0
        probe = None
        next_at = time.monotonic() + (0.5 if load else 0)
        deadline = time.monotonic() + 300
        while len(lats) < n:
            if time.monotonic() > deadline:
                die("latency probes did not finish")
            if load:
                while len(bg) < self.workers:
                    it = cycle[k % len(cycle)]
                    k += 1
                    bg.append(self.post(self.url(it["name"])))
            if probe is None and time.monotonic() >= next_at:
                t0 = time.time()
                probe = (self.post(self.url(LATENCY_IMAGE)), t0)
            time.sleep(0.003)
            ids = bg + ([probe[0]] if probe else [])
            st = dict(zip(ids, self.redis.pipeline([["HMGET", jobkey(i), "status", "updated"]
                                                    for i in ids])))
            bg = [i for i in bg if st[i][0] not in ("completed", "failed")]
            if probe and st[probe[0]][0] in ("completed", "failed"):
                if st[probe[0]][0] != "completed":
                    die("latency probe failed")
                lats.append(int(st[probe[0]][1]) / 1000.0 - probe[1])
                probe = None
                next_at = time.monotonic() + random.uniform(0.02, 0.1)
        if bg:
            self.wait_jobs(bg, 120)
        return [x * 1000 for x in lats]

    # -------------------------------------------------------------- floors

    def calibrate(self):
        """One gm batch over the corpus in one process, timing each command
        (from gm's PASS feedback): the per-image costs that split the corpus
        between the floor's processes, and the single-core floor."""
        costs_path = self.manifest_path.replace(".json", "-costs.json")
        if self.quick and os.path.exists(costs_path):
            with open(costs_path) as f:
                costs = json.load(f)
            for i in self.items:
                i["cost"] = costs["per_image"][i["name"]]
            self.res["gm_1proc_s"] = costs["total_s"]
            self.notes.append("--quick: gm single-process time and per-image costs from the cache "
                              "(%s)" % costs.get("date", "?"))
            return
        outdir = os.path.join(self.work, "out-gm1")
        os.makedirs(outdir)
        batch = os.path.join(self.work, "calibrate.batch")
        with open(batch, "w") as f:
            for it in self.items:
                f.write(gm_command(it, outdir) + "\n")
        t = time.monotonic()
        p = subprocess.Popen(["gm", "batch", "-echo", "off", "-feedback", "on", batch],
                             env=ENV1, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
        last = time.monotonic()
        per = []
        for line in p.stdout:
            now = time.monotonic()
            if line.strip() not in ("PASS", "FAIL"):
                continue
            if line.strip() == "FAIL":
                die("gm batch failed on %s" % self.items[len(per)]["name"])
            per.append(now - last)
            last = now
        p.wait()
        total = time.monotonic() - t
        if p.returncode != 0 or len(per) != len(self.items):
            die("gm batch calibration failed")
        for it, c in zip(self.items, per):
            it["cost"] = c
        self.res["gm_1proc_s"] = total
        with open(costs_path, "w") as f:
            json.dump({"total_s": total, "date": datetime.datetime.now().isoformat(),
                       "per_image": {i["name"]: i["cost"] for i in self.items}}, f)
        log("gm batch, 1 process: %.2f s" % total)

    def prepare_floors(self):
        self.gm_batches = []
        self.vips_cmds = []
        parts = lpt_split(self.items, self.nproc)
        for k, part in enumerate(parts):
            outdir = os.path.join(self.work, "out-gm", str(k))
            os.makedirs(outdir)
            b = os.path.join(self.work, "gm-%d.batch" % k)
            with open(b, "w") as f:
                for it in part:
                    f.write(gm_command(it, outdir) + "\n")
            self.gm_batches.append(["gm", "batch", "-echo", "off", "-feedback", "off", b])
            vdir = os.path.join(self.work, "out-vips", str(k))
            os.makedirs(vdir)
            self.vips_cmds.append(["vipsthumbnail", "--size", "%dx%d" % (BOX, BOX), "-o",
                                   os.path.join(vdir, "%%s.jpg[Q=%d,strip]" % QUALITY)]
                                  + [os.path.join(self.origin_docroot, it["name"])
                                     for it in part])
        self.pil_items = [(it["path"], os.path.join(self.work, "out-pil", it["name"]))
                          for it in sorted(self.items, key=lambda i: -i["cost"])]
        os.makedirs(os.path.join(self.work, "out-pil"))
        self.pool = multiprocessing.get_context("fork").Pool(self.nproc)
        self.pool.map(pil_noop, range(self.nproc * 2))

    def floor_gm(self):
        with Meter() as m:
            run_parallel(self.gm_batches, 600)
        return self.floor_check(m, "out-gm")

    def floor_vips(self):
        with Meter() as m:
            run_parallel(self.vips_cmds, 600)
        return self.floor_check(m, "out-vips")

    def floor_check(self, m, sub):
        """Every image made a thumbnail (the tools warn on stderr about
        harmless things such as known-incorrect sRGB profiles, so their exit
        status and their output are what count); then the outputs go."""
        d = os.path.join(self.work, sub)
        n = 0
        for k in os.listdir(d):
            for f in os.listdir(os.path.join(d, k)):
                if os.path.getsize(os.path.join(d, k, f)) > 0:
                    n += 1
                os.unlink(os.path.join(d, k, f))
        if n != len(self.items):
            die("%s made %d thumbnails of %d images" % (sub, n, len(self.items)))
        return {"wall_s": m.wall, "cpu_s": m.ccpu, "others": m.others}

    def floor_pil(self):
        with Meter([p.pid for p in self.pool._pool]) as m:
            for _ in self.pool.imap_unordered(pil_thumbnail, self.pil_items, chunksize=1):
                pass
        return {"wall_s": m.wall, "cpu_s": m.pcpu, "others": m.others}

    # -------------------------------------------------------------- wrk

    def wrk(self, url, post, seconds):
        env = dict(ENV1)
        if post:
            env["WRK_POST_URL"] = "%s/%s" % (self.origin, LATENCY_IMAGE)
            env["WRK_NONCE"] = "%d-%d" % (os.getpid(), next(self.seq))
        cmd = ["wrk", "-t2", "-c32", "-d%ds" % seconds, "--timeout", "5s", "-s",
               os.path.join(self.top, "bench/wrk.lua"), url]
        fl = read_pid(os.path.join(self.work, "floor", "lighttpd.pid"))
        rpid = read_pid(os.path.join(self.rundir, "redis.pid"))
        with Meter(self.service_pids() + ([fl] + children_of(fl) if fl else [])) as meter:
            r0 = cpu_of([rpid])
            r = subprocess.run(cmd, env=env, capture_output=True, text=True,
                               timeout=seconds + 60)
            r1 = cpu_of([rpid])
        m = re.search(r"^WRKJSON (\{.*\})$", r.stdout, re.M)
        if r.returncode != 0 or not m:
            die("wrk failed: %s %s" % (r.stdout[-500:], r.stderr[-500:]))
        d = json.loads(m.group(1))
        errs = d["err_connect"] + d["err_read"] + d["err_write"] + d["err_status"] + d["err_timeout"]
        d["errors"] = errs
        d["others"] = meter.others
        # CPU of everything on the request path (wrk, lighttpd, the
        # responders, redis) per request: what the throughput would be
        # bounded by on a machine of our own.
        d["cpu_us"] = meter.ours / max(1, d["requests"]) * 1e6
        # Redis's share of it (issue 17: a POST must not be Redis-bound).
        d["redis_us"] = (r1 - r0) / max(1, d["requests"]) * 1e6
        if errs:
            self.notes.append("wrk %s %s: %d errors (%s)" % ("POST" if post else "GET", url, errs, d))
            log("WARNING: " + self.notes[-1])
        return d

    # -------------------------------------------------------------- phases

    def phase_corpus(self):
        R = self.rounds
        gm, vips, pil, e2e, shipped = [], [], [], [], []
        rss_max = 0
        for r in range(R):
            # gm and thumbq back to back: their paired ratio sees the same
            # neighbours on a shared machine
            # thumbqd as shipped (issue 17): an interactive child beside the
            # nproc others, which run at worker_nice 10.  It must not cost
            # the corpus its ratio to gm batch.  It runs after the pair in
            # odd rounds and before it in even ones, so that a drift over
            # the run weighs on both settings alike.
            if r % 2 == 1:
                shipped.append(self.e2e_shipped())
            gm.append(self.floor_gm())
            e2e.append(self.e2e(check=(r == 0)))
            # Every child has done many corpus jobs by now: its high-water
            # mark is its peak over the whole corpus (read before a restart).
            rss_max = max([rss_max] + [proc_status(c, "VmHWM") for c in self.worker_pids()])
            if r % 2 == 0:
                shipped.append(self.e2e_shipped())
            vips.append(self.floor_vips())
            pil.append(self.floor_pil())
            log("round %d/%d: gm %.2f s, vips %.2f s, pillow %.2f s, thumbq %.2f s (%.1f jobs/s); "
                "cpu gm %.2f s, thumbq %.2f s; other users %.2f/%.2f cores; "
                "workers waited %.1f s for a CPU"
                % (r + 1, R, gm[-1]["wall_s"], vips[-1]["wall_s"], pil[-1]["wall_s"],
                   e2e[-1]["wall_s"], e2e[-1]["jobs_s"], gm[-1]["cpu_s"], e2e[-1]["cpu_s"],
                   gm[-1]["others"], e2e[-1]["others"], e2e[-1]["rq_wait_s"]))
            log("round %d/%d: thumbq as shipped (interactive_workers 1, worker_nice 10) %.2f s"
                % (r + 1, R, shipped[-1]["wall_s"]))
        self.pool.close()
        self.pool.join()
        n = len(self.items)
        res = self.res
        for name, runs in (("gm", gm), ("vips", vips), ("pil", pil)):
            res["floor_%s_s" % name] = median([x["wall_s"] for x in runs])
            res["floor_%s_cpu_s" % name] = median([x["cpu_s"] for x in runs])
            res["floor_%s_jobs_s" % name] = n / res["floor_%s_s" % name]
        res["floor_gm_runs_s"] = [rnd(x["wall_s"], 3) for x in gm]
        res["e2e_wall_s"] = median([x["wall_s"] for x in e2e])
        res["e2e_runs_s"] = [rnd(x["wall_s"], 3) for x in e2e]
        res["e2e_cpu_s"] = median([x["cpu_s"] for x in e2e])
        res["e2e_submit_s"] = median([x["submit_s"] for x in e2e])
        res["e2e_jobs_s"] = n / res["e2e_wall_s"]
        res["ratio_e2e_gm"] = res["floor_gm_s"] / res["e2e_wall_s"]
        res["ratio_e2e_gm_paired"] = median([g["wall_s"] / e["wall_s"] for g, e in zip(gm, e2e)])
        res["ratio_e2e_gm_cpu"] = res["floor_gm_cpu_s"] / res["e2e_cpu_s"]
        res["e2e_shipped_wall_s"] = median([x["wall_s"] for x in shipped])
        res["e2e_shipped_cpu_s"] = median([x["cpu_s"] for x in shipped])
        res["ratio_e2e_gm_shipped"] = res["floor_gm_s"] / res["e2e_shipped_wall_s"]
        res["ratio_e2e_gm_shipped_paired"] = median([g["wall_s"] / e["wall_s"]
                                                     for g, e in zip(gm, shipped)])
        # Issue 17's fourth target, "the corpus ratio does not drop", against
        # the setting before it (every child takes every job, none niced)
        # measured in the same rounds: the 1.47 it names was measured on
        # another CPU.  Per round, as the runs of a round share neighbours.
        res["shipped_time_vs_plain_paired"] = median([s["wall_s"] / e["wall_s"]
                                                      for s, e in zip(shipped, e2e)])
        res["ratio_e2e_vips"] = res["floor_vips_s"] / res["e2e_wall_s"]
        res["others_cores_gm"] = median([x["others"] for x in gm])
        res["others_cores_e2e"] = median([x["others"] for x in e2e])
        res["e2e_rq_wait_s"] = median([x["rq_wait_s"] for x in e2e])
        self.scaling = {self.nproc: [x["jobs_s"] for x in e2e]}
        res["rss_child_corpus_max_mb"] = rss_max / 1024

    def e2e_shipped(self):
        """One corpus run with thumbqd's shipped defaults, then back to the
        children that take every job.  Each restart is followed by a corpus
        run that is not timed: children fresh from a restart did the corpus
        1.09x slower than the same children one run later (the median of 6
        alternating rounds), so a timed run right after one compared fresh
        children with warm ones; and the phases after this one measure
        children that have been working, as on a server that is up."""
        self.set_workers(self.nproc, interactive_workers=1, worker_nice=10)
        self.e2e()
        x = self.e2e()
        self.set_workers(self.nproc, interactive_workers=0, worker_nice=0)
        self.e2e()
        return x

    def phase_scaling(self):
        # The corpus phase has measured nproc children already, if it ran.
        counts = [c for c in (1, 2, 4, 8) if c not in self.scaling]
        for r in range(self.rounds):
            for c in counts:
                self.set_workers(c)
                # Untimed: children fresh from the restart are slower, and
                # the corpus phase's nproc figures are of working ones.
                self.e2e()
                x = self.e2e()
                self.scaling.setdefault(c, []).append(x["jobs_s"])
                log("children %d: %.1f jobs/s (other users %.2f cores)" % (c, x["jobs_s"], x["others"]))
        self.set_workers(self.nproc)
        self.res["scaling_jobs_s"] = {str(c): rnd(median(v)) for c, v in sorted(self.scaling.items())}

    def image_floor_ms(self, name, n):
        """gm's own time for one image, n times in one gm batch process
        (per-command times from its PASS feedback): median in ms."""
        it = self.by_name[name]
        outdir = os.path.join(self.work, "out-one")
        os.makedirs(outdir, exist_ok=True)
        batch = os.path.join(self.work, "one.batch")
        with open(batch, "w") as f:
            for _ in range(n):
                f.write(gm_command(it, outdir) + "\n")
        p = subprocess.Popen(["gm", "batch", "-echo", "off", "-feedback", "on", batch], env=ENV1,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        per, last = [], time.monotonic()
        for line in p.stdout:
            now = time.monotonic()
            if line.strip() == "PASS":
                per.append(now - last)
            last = now
        p.wait()
        if len(per) != n:
            die("gm batch on %s failed" % name)
        return median(per[1:] or per) * 1000

    def phase_latency(self):
        self.set_workers(self.nproc)
        self.res["lat_floor_gm_ms"] = self.image_floor_ms(LATENCY_IMAGE, 11 if self.quick else 21)
        self.probe_latency(2, False)  # warm: first connections, page cache
        idle = self.probe_latency(self.probes, False)
        load = self.probe_latency(self.probes, True)
        self.res["lat_idle_p50_ms"] = pct(idle, 50)
        self.res["lat_idle_p99_ms"] = pct(idle, 99)
        self.res["lat_idle_min_ms"] = min(idle)
        self.res["lat_load_p50_ms"] = pct(load, 50)
        self.res["lat_load_p99_ms"] = pct(load, 99)
        self.res["lat_probes"] = self.probes
        log("latency idle p50 %.1f p99 %.1f ms; under load p50 %.1f p99 %.1f ms; gm alone %.1f ms"
            % (pct(idle, 50), pct(idle, 99), pct(load, 50), pct(load, 99),
               self.res["lat_floor_gm_ms"]))

    def phase_rss(self):
        out = {}
        for key in ("largest_jpeg", "largest_png", "largest_webp"):
            name = self.res["corpus"][key]
            self.services("stop", self.rundir, "thumbqd")
            self.workers = 0
            self.set_workers(1)
            child = self.worker_pids()[0]
            before = proc_status(child, "VmHWM")
            jid = self.post(self.url(name))
            j = self.wait_jobs([jid], 120, interval=0.01)[jid]
            if j["status"] != "completed":
                die("%s failed: %s" % (name, j))
            if child not in self.worker_pids():
                die("the child that thumbnailed %s is gone" % name)
            out[key] = {"image": name, "hwm_kb": proc_status(child, "VmHWM"), "start_kb": before}
            log("peak RSS of a child on %s: %.1f MB (%.1f MB before)"
                % (name, out[key]["hwm_kb"] / 1024, before / 1024))
        self.res["rss_child_jpeg_mb"] = out["largest_jpeg"]["hwm_kb"] / 1024
        self.res["rss_child_png_mb"] = out["largest_png"]["hwm_kb"] / 1024
        self.res["rss_child_webp_mb"] = out["largest_webp"]["hwm_kb"] / 1024
        self.res["rss_child_start_mb"] = out["largest_jpeg"]["start_kb"] / 1024
        self.set_workers(self.nproc)

    def variants_pass(self, extra, check):
        """The corpus once through the API with the body's extra fields;
        the CPU the workers used from the first POST to the last job."""
        workers = self.worker_pids()
        with Meter(workers) as m:
            ids = [(self.post(self.url(it["name"]), extra), it) for it in self.items]
            jobs = self.wait_jobs([i for i, _ in ids], 600)
        failed = [(it["name"], jobs[i]["error_code"]) for i, it in ids
                  if jobs[i]["status"] != "completed"]
        if failed:
            die("%d variants jobs failed, e.g. %s" % (len(failed), failed[0]))
        if check:
            # the three files of the first job exist, at the three sizes
            j = self.redis.cmd("HGET", jobkey(ids[0][0]), "vsizes")
            if "variants" in extra and (not j or len(j.split()) != len(VARIANTS)):
                die("a variants job has no sizes for its %d variants: %r" % (len(VARIANTS), j))
        return m.pcpu

    def phase_variants(self):
        """Three variants (a srcset: 800, 400, 200) in one job against the
        largest alone, the corpus each way, in turns (paired rounds: the
        same neighbours on a shared machine); the ratio of worker CPU."""
        alone, three, ratios = [], [], []
        for r in range(self.rounds):
            first = r % 2 == 0
            for which in ((0, 1) if first else (1, 0)):
                if which == 0:
                    alone.append(self.variants_pass(dict(VARIANTS[0]), r == 0))
                else:
                    three.append(self.variants_pass({"variants": VARIANTS}, r == 0))
            ratios.append(three[-1] / alone[-1])
            log("variants round %d/%d: largest alone cpu %.2f s, three variants %.2f s: %.2fx"
                % (r + 1, self.rounds, alone[-1], three[-1], ratios[-1]))
        self.res["variants_alone_cpu_s"] = median(alone)
        self.res["variants_three_cpu_s"] = median(three)
        self.res["variants_ratio"] = median(ratios)
        self.res["variants_jobs"] = len(self.items)

    def prio_image(self):
        """The probe: the first 2560x1600 JPEG of the corpus by name (the
        image of issue 17), else its largest JPEG."""
        big = sorted(i["name"] for i in self.items
                     if i["format"] == "JPEG" and (i["width"], i["height"]) == (2560, 1600))
        return big[0] if big else self.res["corpus"]["largest_jpeg"]

    def prio_run(self, flood, probes, seconds=None, n=None):
        """One measurement: with flood, PRIORITY_CLIENTS clients keep their
        low-priority batches going for PRIORITY_WARM_S then seconds; with
        probes, one high-priority probe at a time (within that window, or
        n of them on an idle service).  Returns the flood's low jobs
        completed per second in the window (Redis's completion times) and
        the probes' submit->completed times in ms."""
        cycle = list(self.items)
        random.Random(17).shuffle(cycle)
        k = 0
        batches = [[] for _ in range(PRIORITY_CLIENTS if flood else 0)]
        done = []  # completion times of low jobs, s
        lats = []
        probe = None
        t0 = time.time()
        w0 = t0 + (PRIORITY_WARM_S if flood else 0)
        w1 = w0 + (seconds or 0)
        next_at = w0
        hard = time.monotonic() + (seconds or 0) + PRIORITY_WARM_S + 300
        while (time.time() < w1) if flood else (len(lats) < n):
            if time.monotonic() > hard:
                die("priority: the measurement did not finish")
            for b in batches:
                if not b:
                    for _ in range(PRIORITY_BATCH):
                        it = cycle[k % len(cycle)]
                        k += 1
                        b.append(self.post(self.url(it["name"]), {"priority": "low"}))
            now = time.time()
            if probes and probe is None and now >= next_at and (not flood or now < w1):
                probe = (self.post(self.url(self.prio_probe), {"priority": "high"}), time.time())
            time.sleep(0.01)
            ids = [i for b in batches for i in b] + ([probe[0]] if probe else [])
            st = dict(zip(ids, self.redis.pipeline([["HMGET", jobkey(i), "status", "updated"]
                                                    for i in ids])))
            for b in batches:
                for i in b:
                    if st[i][0] in ("completed", "failed"):
                        done.append(int(st[i][1]) / 1000.0)
                b[:] = [i for i in b if st[i][0] not in ("completed", "failed")]
            if probe and st[probe[0]][0] in ("completed", "failed"):
                if st[probe[0]][0] != "completed":
                    die("priority probe failed")
                lats.append((int(st[probe[0]][1]) / 1000.0 - probe[1]) * 1000)
                probe = None
                next_at = time.time() + random.uniform(0.1, 0.3)
        rest = [i for b in batches for i in b] + ([probe[0]] if probe else [])
        if rest:
            jobs = self.wait_jobs(rest, 300)
            done += [int(jobs[i]["updated"]) / 1000.0 for b in batches for i in b]
        tput = sum(1 for t in done if w0 <= t < w1) / seconds if flood else None
        return tput, lats

    def phase_priority(self):
        """For each setting of PRIORITY_CONFIGS, each round: the probe on an
        idle service, the flood alone, the flood with the probes."""
        self.prio_probe = self.prio_image()
        secs = 10 if self.quick else 30
        out = {}
        for r in range(self.rounds):
            for label, keys in PRIORITY_CONFIGS:
                self.set_workers(self.nproc, **keys)
                self.prio_run(False, True, n=2)  # warm: connections, page cache
                _, idle = self.prio_run(False, True, n=self.probes)
                alone, _ = self.prio_run(True, False, seconds=secs)
                mixed, load = self.prio_run(True, True, seconds=secs)
                o = out.setdefault(label, {k: [] for k in (
                    "idle_p99", "flood_p99", "flood_p50", "ratio", "alone", "mixed",
                    "tput", "probes")})
                o["idle_p99"].append(pct(idle, 99))
                o["flood_p99"].append(pct(load, 99))
                o["flood_p50"].append(pct(load, 50))
                o["ratio"].append(pct(load, 99) / pct(idle, 99))
                o["alone"].append(alone)
                o["mixed"].append(mixed)
                o["tput"].append(mixed / alone)
                o["probes"].append(len(load))
                log("priority round %d/%d, %s: probe idle p99 %.0f ms, under the flood p50 %.0f "
                    "p99 %.0f ms (%d probes): %.1fx; flood %.2f jobs/s alone, %.2f with probes: "
                    "%.2fx; slowest probes %s ms" % (
                        r + 1, self.rounds, label, pct(idle, 99), pct(load, 50), pct(load, 99),
                        len(load), o["ratio"][-1], alone, mixed, o["tput"][-1],
                        " ".join("%.0f" % x for x in sorted(load)[-3:])))
        self.set_workers(self.nproc, interactive_workers=0, worker_nice=0)
        self.res["prio_image"] = self.prio_probe
        self.res["prio_window_s"] = secs
        self.res["prio"] = {label: {k: rnd(median(v), 3) for k, v in o.items()}
                            for label, o in out.items()}

    def phase_slow_origin(self):
        port = free_port()
        p = subprocess.Popen([sys.executable, os.path.join(self.top, "bench/slow-origin.py"),
                              self.origin_docroot, str(port), "500"], env=ENV1,
                             stdout=subprocess.PIPE, text=True)
        self.cleanups.append(lambda: stop_pid(p.pid))
        if p.stdout.readline().strip() != "ready":
            die("slow origin did not start")
        base = "http://127.0.0.1:%d" % port
        runs = {}
        counts = [self.nproc, 8]
        for r in range(self.rounds):
            for c in counts:
                self.set_workers(c)
                runs.setdefault(c, []).append(
                    self.e2e(base=base, passes=SLOW_ORIGIN_PASSES)["jobs_s"])
                log("500 ms origin, %d children: %.1f jobs/s" % (c, runs[c][-1]))
        self.set_workers(self.nproc)
        stop_pid(p.pid)
        p.wait()
        self.res["slow_origin_jobs_s"] = median(runs[self.nproc])
        if "e2e_jobs_s" in self.res:  # the corpus phase ran
            self.res["ratio_slow_origin"] = self.res["slow_origin_jobs_s"] / self.res["e2e_jobs_s"]
            self.res["ratio_slow_origin_gm"] = (self.res["slow_origin_jobs_s"]
                                                / self.res["floor_gm_jobs_s"])
        if 8 in runs:
            self.res["slow_origin_8children_jobs_s"] = median(runs[8])

    def evalsha_us(self):
        """INFO commandstats usec_per_call of EVALSHA since the last
        CONFIG RESETSTAT (None if none ran)."""
        for line in self.redis.cmd("INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_evalsha:"):
                return float(re.search(r"usec_per_call=([0-9.]+)", line).group(1))
        return None

    def phase_api(self):
        # Mostly with thumbqd stopped: its children would thumbnail every
        # POSTed job on the cores that lighttpd, thumbq.fcgi, redis and wrk
        # share.  post_live is POST with thumbqd running as shipped
        # (interactive_workers 1, worker_nice 10; issue 17: what a server
        # does), each round first, against the same floor.
        gid = self.completed_id
        targets = [
            ("post_live", "http://127.0.0.1:%d/v1/thumbnails" % self.api_port, True),
            ("static", self.floor + "/small.json", False),
            ("null_get", "%s/v1/thumbnails/%s" % (self.floor, gid), False),
            ("null_post", self.floor + "/v1/thumbnails", True),
            ("get", "http://127.0.0.1:%d/v1/thumbnails/%s" % (self.api_port, gid), False),
            ("post", "http://127.0.0.1:%d/v1/thumbnails" % self.api_port, True),
        ]
        res = {t[0]: [] for t in targets}
        create_us = []
        for name, url, post in targets:
            self.wrk(url, post, 1)  # warm-up
        for r in range(self.rounds):
            for name, url, post in targets:
                if name == "post_live":
                    # thumbqd as shipped: its interactive child, and the
                    # others niced, so that the web tier gets the CPU first.
                    self.set_workers(self.nproc, interactive_workers=1, worker_nice=10)
                elif name != "post_live" and self.workers:
                    self.services("stop", self.rundir, "thumbqd")
                    self.workers = 0
                if name == "post":
                    # thumbqd stopped: every EVALSHA is the create script.
                    self.redis.cmd("CONFIG", "RESETSTAT")
                res[name].append(self.wrk(url, post, self.wrk_s))
                if name == "post":
                    create_us.append(self.evalsha_us())
            # The POSTed jobs stay in Redis (as on a real server); the queues
            # are emptied so that nobody thumbnails them later.
            self.redis.cmd("DEL", PREFIX + "pending:high", PREFIX + "pending:normal",
                           PREFIX + "pending:low", PREFIX + "wake")
            log("wrk round %d/%d: %s" % (r + 1, self.rounds, ", ".join(
                "%s %.0f/s p99 %.1f ms" % (n, v[-1]["rps"], v[-1]["lat_p99_us"] / 1000)
                for n, v in res.items())))
        self.res["others_cores_api"] = median([x["others"] for v in res.values() for x in v])
        for name, v in res.items():
            self.res["%s_rps" % name] = median([x["rps"] for x in v])
            self.res["%s_p99_ms" % name] = median([x["lat_p99_us"] for x in v]) / 1000
            self.res["%s_errors" % name] = sum(x["errors"] for x in v)
            self.res["%s_cpu_us" % name] = median([x["cpu_us"] for x in v])
        self.res["ratio_post"] = self.res["post_rps"] / self.res["null_post_rps"]
        self.res["ratio_post_live"] = self.res["post_live_rps"] / self.res["null_post_rps"]
        self.res["post_redis_us"] = median([x["redis_us"] for x in res["post"]])
        self.res["post_live_redis_us"] = median([x["redis_us"] for x in res["post_live"]])
        self.res["post_create_evalsha_us"] = median([x for x in create_us if x is not None] or [0])
        self.res["ratio_get"] = self.res["get_rps"] / self.res["null_get_rps"]
        self.res["ratio_post_cpu"] = self.res["null_post_cpu_us"] / self.res["post_cpu_us"]
        self.res["ratio_get_cpu"] = self.res["null_get_cpu_us"] / self.res["get_cpu_us"]
        lpid = read_pid(os.path.join(self.rundir, "lighttpd.pid"))
        fcgis = children_of(lpid, "thumbq.fcgi")
        hwm = [proc_status(p, "VmHWM") for p in fcgis]
        if not hwm:
            die("no thumbq.fcgi process under lighttpd %s" % lpid)
        self.res["rss_fcgi_mb"] = max(hwm) / 1024
        self.res["fcgi_processes"] = len(fcgis)
        self.res["jobs_in_redis_after"] = self.redis.cmd("DBSIZE")

    def phase_redis(self):
        # Redis memory and CPU per job through the real scripts, on a
        # private redis-server (bench/redis-mem.py); memory is exact.
        r = subprocess.run([sys.executable, os.path.join(self.top, "bench/redis-mem.py"),
                            "--jobs", str(REDIS_JOBS), "--top", self.top],
                           capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            die("bench/redis-mem.py failed: %s" % r.stderr[-500:])
        self.res["redis_mem"] = json.loads(r.stdout.strip().splitlines()[-1])

    # -------------------------------------------------------------- report

    def report(self):
        r = self.res

        def f(x, unit="", d=1):
            return "-" if x is None else ("%.*f%s" % (d, x, unit))

        def met(ok):
            return "met" if ok else "NOT MET"

        ran = self.only
        rows = []
        if "corpus" in r:
            rows.append(("corpus", "%d images (%s), %.0f MB" % (r["corpus"]["images"], ", ".join(
                "%d %s" % (v, k) for k, v in sorted(r["corpus"]["formats"].items())),
                r["corpus"]["bytes"] / 1e6), "", ""))
        if "corpus" in ran:
            rows += [
                ("floor: gm batch, %d procs x 1 thread" % self.nproc,
                 "%s  (%s jobs/s), cpu %s" % (f(r["floor_gm_s"], " s", 2), f(r["floor_gm_jobs_s"]),
                                              f(r["floor_gm_cpu_s"], " s", 2)), "", ""),
                ("floor: gm batch, 1 process", f(r["gm_1proc_s"], " s", 2), "", ""),
                ("ref: vipsthumbnail, %d procs" % self.nproc,
                 "%s  (%s jobs/s)" % (f(r["floor_vips_s"], " s", 2), f(r["floor_vips_jobs_s"])), "", ""),
                ("ref: Pillow thumbnail(), %d procs" % self.nproc,
                 "%s  (%s jobs/s)" % (f(r["floor_pil_s"], " s", 2), f(r["floor_pil_jobs_s"])), "", ""),
                ("e2e corpus, %d workers" % self.nproc,
                 "%s  (%s jobs/s), cpu %s" % (f(r["e2e_wall_s"], " s", 2), f(r["e2e_jobs_s"]),
                                              f(r["e2e_cpu_s"], " s", 2)), "", ""),
                ("  ratio to gm batch floor", "%s (paired %s)" % (f(r["ratio_e2e_gm"], "", 2),
                                                               f(r["ratio_e2e_gm_paired"], "", 2)),
                 ">= 0.90", met(r["ratio_e2e_gm"] >= 0.9)),
                ("  cpu ratio gm / thumbq (all services)", f(r["ratio_e2e_gm_cpu"], "", 2), "", ""),
                ("e2e corpus, as shipped (+1 interactive, nice 10)",
                 "%s, cpu %s" % (f(r["e2e_shipped_wall_s"], " s", 2),
                                 f(r["e2e_shipped_cpu_s"], " s", 2)), "", ""),
                ("  ratio to gm batch floor", "%s (paired %s)" % (
                    f(r["ratio_e2e_gm_shipped"], "", 2), f(r["ratio_e2e_gm_shipped_paired"], "", 2)),
                 "", ""),
                ("  time against interactive_workers 0, same rounds",
                 "%s (per round, median %s)" % (
                     f(r["e2e_shipped_wall_s"] / r["e2e_wall_s"], "x", 2),
                     f(r["shipped_time_vs_plain_paired"], "x", 2)),
                 "<= 1.05x (issue 17)", met(r["shipped_time_vs_plain_paired"] <= 1.05)),
                ("  ratio to vipsthumbnail", f(r["ratio_e2e_vips"], "", 2), ">= 1.00",
                 met(r["ratio_e2e_vips"] >= 1.0)),
            ]
        if "latency" in ran:
            rows += [
                ("latency 1080p JPEG idle p50 / p99", "%s / %s" % (
                    f(r["lat_idle_p50_ms"], " ms"), f(r["lat_idle_p99_ms"], " ms")),
                 "p50 <= 50 ms", met(r["lat_idle_p50_ms"] <= 50)),
                ("  gm alone on that image (floor)", f(r["lat_floor_gm_ms"], " ms"), "", ""),
                ("latency 1080p JPEG under load p50 / p99", "%s / %s" % (
                    f(r["lat_load_p50_ms"], " ms"), f(r["lat_load_p99_ms"], " ms")), "", ""),
            ]
        if "api" in ran:
            rows += [
                ("POST req/s, p99 (32 conns)", "%s, %s" % (f(r["post_rps"], "", 0),
                                                           f(r["post_p99_ms"], " ms", 2)),
                 "p99 <= 10 ms", met(r["post_p99_ms"] <= 10)),
                ("  floor null-fcgi POST", "%s, %s" % (f(r["null_post_rps"], "", 0),
                                                       f(r["null_post_p99_ms"], " ms", 2)), "", ""),
                ("  POST ratio to floor", f(r["ratio_post"], "", 2), ">= 0.60",
                 met(r["ratio_post"] >= 0.6)),
                ("POST req/s, thumbqd running", "%s, %s" % (f(r["post_live_rps"], "", 0),
                                                          f(r["post_live_p99_ms"], " ms", 2)),
                 "", ""),
                ("  its ratio to floor", f(r["ratio_post_live"], "", 2), ">= 0.60",
                 met(r["ratio_post_live"] >= 0.6)),
                ("  Redis cpu/POST, thumbqd stopped / running", "%s / %s" % (
                    f(r["post_redis_us"], " us", 1), f(r["post_live_redis_us"], " us", 1)),
                 "", ""),
                ("  create EVALSHA usec_per_call (commandstats)",
                 f(r["post_create_evalsha_us"], " us", 1),
                 "<= %d us" % REDIS_CREATE_US_TARGET,
                 met(r["post_create_evalsha_us"] <= REDIS_CREATE_US_TARGET)),
                ("  POST cpu/request, thumbq vs floor", "%s vs %s (ratio %s)" % (
                    f(r["post_cpu_us"], " us", 0), f(r["null_post_cpu_us"], " us", 0),
                    f(r["ratio_post_cpu"], "", 2)), "", ""),
                ("GET req/s, p99 (32 conns)", "%s, %s" % (f(r["get_rps"], "", 0),
                                                          f(r["get_p99_ms"], " ms", 2)),
                 "p99 <= 10 ms", met(r["get_p99_ms"] <= 10)),
                ("  floor null-fcgi GET", "%s, %s" % (f(r["null_get_rps"], "", 0),
                                                      f(r["null_get_p99_ms"], " ms", 2)), "", ""),
                ("  GET ratio to floor", f(r["ratio_get"], "", 2), ">= 0.60",
                 met(r["ratio_get"] >= 0.6)),
                ("  GET cpu/request, thumbq vs floor", "%s vs %s (ratio %s)" % (
                    f(r["get_cpu_us"], " us", 0), f(r["null_get_cpu_us"], " us", 0),
                    f(r["ratio_get_cpu"], "", 2)), "", ""),
                ("  lighttpd static file", "%s, %s" % (f(r["static_rps"], "", 0),
                                                       f(r["static_p99_ms"], " ms", 2)), "", ""),
                ("peak RSS thumbq.fcgi", f(r["rss_fcgi_mb"], " MB"), "<= 16 MB",
                 met(r["rss_fcgi_mb"] <= 16)),
            ]
        if "rss" in ran:
            rows += [
                ("peak RSS child, largest JPEG", "%s (%s)" % (f(r["rss_child_jpeg_mb"], " MB"),
                                                              r["corpus"]["largest_jpeg"]),
                 "<= 200 MB", met(r["rss_child_jpeg_mb"] <= 200)),
                ("peak RSS child, largest PNG", "%s (%s)" % (f(r["rss_child_png_mb"], " MB"),
                                                             r["corpus"]["largest_png"]),
                 "<= 200 MB", met(r["rss_child_png_mb"] <= 200)),
                ("peak RSS child, largest WebP", "%s (%s)" % (f(r["rss_child_webp_mb"], " MB"),
                                                              r["corpus"]["largest_webp"]), "", ""),
            ]
        if "corpus" in ran:
            rows.append(("peak RSS child, whole corpus", f(r["rss_child_corpus_max_mb"], " MB"),
                         "", ""))
        if "scaling" in ran:
            rows.append(("throughput by children (jobs/s)", "  ".join(
                "%s: %s" % (k, f(v)) for k, v in r["scaling_jobs_s"].items()), "", ""))
        if "slow_origin" in ran:
            rows.append(("500 ms origin, %d workers, corpus x%d" % (self.nproc, SLOW_ORIGIN_PASSES),
                         "%s jobs/s" % f(r["slow_origin_jobs_s"]), ">= 0.80 x e2e", ""))
        if "ratio_slow_origin" in r:
            rows.append(("  ratio to fast-origin e2e (to gm floor)", "%s (%s)" % (
                f(r["ratio_slow_origin"], "", 2), f(r["ratio_slow_origin_gm"], "", 2)),
                ">= 0.80", met(r["ratio_slow_origin"] >= 0.8)))
        if "slow_origin_8children_jobs_s" in r:
            rows.append(("  500 ms origin, 8 children", "%s jobs/s" % f(
                r["slow_origin_8children_jobs_s"]), "", ""))
        if "variants" in ran:
            rows.append(("variants: %s in one job, corpus" % "+".join(
                str(v["width"]) for v in VARIANTS), "cpu %s vs %s for %s alone" % (
                f(r["variants_three_cpu_s"], " s", 2), f(r["variants_alone_cpu_s"], " s", 2),
                VARIANTS[0]["width"]), "", ""))
            rows.append(("  ratio of worker cpu (median of %d paired)" % self.rounds,
                         f(r["variants_ratio"], "x", 2), "< %.1fx" % VARIANTS_TARGET,
                         met(r["variants_ratio"] < VARIANTS_TARGET)))
        if "priority" in ran:
            last = PRIORITY_CONFIGS[-1][0]
            for label, _ in PRIORITY_CONFIGS:
                p = r["prio"][label]
                final = label == last
                rows.append(("priority, %s: high probe p99 idle / flood" % label,
                             "%s / %s (flood p50 %s)" % (f(p["idle_p99"], " ms"),
                                                         f(p["flood_p99"], " ms"),
                                                         f(p["flood_p50"], " ms")), "", ""))
                rows.append(("  ratio flood / idle p99 (median of %d)" % self.rounds,
                             f(p["ratio"], "x", 2),
                             "<= %.0fx" % PRIORITY_TARGET_RATIO if final else "",
                             met(p["ratio"] <= PRIORITY_TARGET_RATIO) if final else ""))
                rows.append(("  flood jobs/s alone / with probes", "%s / %s: %s" % (
                    f(p["alone"], "", 2), f(p["mixed"], "", 2), f(p["tput"], "x", 2)),
                    ">= %.2fx" % PRIORITY_TARGET_TPUT if final else "",
                    met(p["tput"] >= PRIORITY_TARGET_TPUT) if final else ""))
        if "redis" in ran:
            m = r["redis_mem"]
            rows.append(("Redis memory per finished job (%dk jobs)" % (m["jobs"] // 1000),
                         f(m["bytes_per_job"], " B", 0), "<= %d B" % REDIS_BYTES_TARGET,
                         met(m["bytes_per_job"] <= REDIS_BYTES_TARGET)))
            if "bytes_per_job_after_dedupe_ttl" in m:
                rows.append(("  once its dedupe key expired (dedupe_ttl)",
                             f(m["bytes_per_job_after_dedupe_ttl"], " B", 0), "", ""))
            for k, v in m["keys"].items():
                rows.append(("  %s (MEMORY USAGE, encoding)" % k, "%s, %s" % (
                    f(v.get("memory_usage", v.get("memory_usage_per_member")), " B", 0),
                    v["encoding"]), "", ""))
            rows.append(("  EVALSHA us: create / claim / finish / lib.lua alone",
                         "%s / %s / %s / %s" % (f(m["create_us"]), f(m["claim_us"]),
                                                f(m["finish_us"]), f(m["lib_prelude_us"])),
                         "create <= %d" % REDIS_CREATE_US_TARGET,
                         met(m["create_us"] <= REDIS_CREATE_US_TARGET)))
        rows.append(("other users of the machine (median)",
                     "%s cores in gm runs, %s in e2e runs, %s in wrk runs" % (
                         f(r.get("others_cores_gm"), "", 2), f(r.get("others_cores_e2e"), "", 2),
                         f(r.get("others_cores_api"), "", 2)), "", ""))
        if "corpus" in ran:
            rows.append(("  e2e: workers runnable, waiting for a CPU", "%s s per corpus run"
                         % f(r["e2e_rq_wait_s"], "", 1), "", ""))
        w0 = max(len(x[0]) for x in rows)
        w1 = max(len(x[1]) for x in rows)
        w2 = max(len(x[2]) for x in rows)
        mc = self.res["machine"]
        print()
        print("thumbq benchmark: %s, %s; %d cores (%s); load %s -> %s; %s mode, %d round(s)%s"
              % (mc["date"], mc["source"], mc["nproc"], mc["cpu"], "/".join(mc["loadavg_start"]),
                 "/".join(mc["loadavg_end"]), "quick" if self.quick else "full", self.rounds,
                 "" if self.only == PHASES else "; phases " + ",".join(self.only)))
        print()
        print("%-*s  %-*s  %-*s  %s" % (w0, "figure", w1, "measured", w2, "target", "status"))
        print("%s  %s  %s  %s" % ("-" * w0, "-" * w1, "-" * w2, "-------"))
        for a, b, c, d in rows:
            print(("%-*s  %-*s  %-*s  %s" % (w0, a, w1, b, w2, c, d)).rstrip())
        busy = max(r.get(k) or 0 for k in ("others_cores_gm", "others_cores_e2e",
                                           "others_cores_api"))
        if busy > 0.25:
            self.notes.append(
                "other users kept up to %.2f of the %d cores busy during the measurements: "
                "wall-clock figures and their ratios carry that noise; the cpu figures "
                "(cpu ratio gm / thumbq, cpu per request) depend on it much less" % (busy, self.nproc))
        for note in self.notes:
            print("note: " + note)
        out = {"machine": self.res["machine"], "mode": "quick" if self.quick else "full",
               "rounds": self.rounds, "wrk_seconds": self.wrk_s, "phases": self.only}
        for k, v in r.items():
            if k == "machine":
                continue
            out[k] = rnd(v, 3) if isinstance(v, float) else v
        line = json.dumps(out, sort_keys=True)
        print(line)
        if self.a.json:
            with open(self.a.json, "w") as fjs:
                fjs.write(line + "\n")

    def machine(self):
        model = "?"
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        model = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        vers = {}
        for name, cmd in (("gm", ["gm", "version"]), ("vips", ["vips", "--version"]),
                          ("lighttpd", ["/usr/sbin/lighttpd", "-v"]),
                          ("redis", ["redis-server", "--version"]), ("wrk", ["wrk", "-v"])):
            try:
                o = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
                vers[name] = (o.stdout or o.stderr).split("\n")[0].strip()
            except OSError:
                vers[name] = "?"
        try:
            from PIL import __version__ as pv
            vers["pillow"] = pv
        except ImportError:
            vers["pillow"] = "?"
        self.res["machine"] = {
            "nproc": self.nproc, "cpu": model, "host": socket.gethostname(),
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "loadavg_start": open("/proc/loadavg").read().split()[:3],
            "versions": vers,
            "command": self.a.command,
            "source": self.git_describe(),
        }

    def git_describe(self):
        try:
            head = subprocess.run(["git", "-C", self.top, "rev-parse", "--short", "HEAD"],
                                  capture_output=True, text=True, timeout=10).stdout.strip()
            dirty = subprocess.run(["git", "-C", self.top, "status", "--porcelain",
                                    "--untracked-files=no", "--", "src", "cgi-bin", "worker",
                                    "lighttpd", "tools", "bench"],
                                   capture_output=True, text=True, timeout=10).stdout.strip()
            return head + (" + uncommitted changes in src/cgi-bin/worker/lighttpd/tools/bench"
                           if dirty else "")
        except OSError:
            return "?"

    def run(self):
        self.machine()
        needs_corpus = any(p not in ("api", "redis") for p in self.only)
        if needs_corpus:
            self.corpus()
            self.start_origin()
        else:
            # The API alone needs no corpus: one small image for the job
            # that GET reads (wrk's POSTed URLs are never fetched).
            # The same image under the name wrk's POSTs ask for, so that
            # thumbqd's children thumbnail them in post_live.
            photo = os.path.join(self.top, "tests/fixtures/photo.jpg")
            self.start_origin([("photo.jpg", photo), (LATENCY_IMAGE, photo)], "photo.jpg")
        if "corpus" in self.only:
            self.calibrate()
            self.prepare_floors()
        self.start_thumbq()
        if "api" in self.only:
            self.start_floor_api()
        if needs_corpus:
            # warm-up: page cache of the corpus, first Redis connections
            self.e2e()
        else:
            jid = self.post("%s/photo.jpg" % self.origin)
            j = self.wait_jobs([jid], 60)[jid]
            if j["status"] != "completed":
                die("the job for GET did not complete: %s" % j)
            self.completed_id = jid
        # Latency right after the corpus rounds: its children have been
        # working for a while, as on a server that is idle at the moment
        # (fresh children are slower, see BENCHMARKS.md).
        for name in PHASES:
            if name not in self.only:
                continue
            ph = getattr(self, "phase_" + name)
            t = time.monotonic()
            ph()
            log("%s: %.0f s" % (ph.__name__, time.monotonic() - t))
        self.res["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
        self.res["elapsed_s"] = time.monotonic() - T0
        self.report()

    def cleanup(self):
        for c in reversed(self.cleanups):
            try:
                c()
            except BaseException as e:  # keep stopping the others
                log("cleanup: %s" % e)
        if self.a.keep:
            log("kept %s" % self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


# ------------------------------------------------------------------ Pillow

def pil_noop(_):
    from PIL import Image  # noqa: F401  (imported once per pool process)
    return 0


def pil_thumbnail(job):
    from PIL import Image
    src, dst = job
    with Image.open(src) as im:
        im.thumbnail((BOX, BOX))
        if im.mode in ("RGBA", "LA", "PA", "P"):
            im.save(dst + ".png")
        else:
            if im.mode != "RGB":
                im = im.convert("RGB")
            im.save(dst + ".jpg", quality=QUALITY)
    return 0


def phase_list(text):
    names = [x.strip().replace("-", "_") for x in text.split(",") if x.strip()]
    bad = [x for x in names if x not in PHASES]
    if bad or not names:
        raise argparse.ArgumentTypeError("unknown phase %s; phases: %s"
                                         % (",".join(bad) or "''", ",".join(PHASES)))
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", required=True)
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--null-fcgi", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--command", default="bench/run")
    ap.add_argument("--only", type=phase_list,
                    help="comma-separated phases to run: " + ",".join(PHASES))
    a = ap.parse_args()
    b = Bench(a)

    def on_signal(sig, _frame):
        raise SystemExit("bench: interrupted by signal %d" % sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        b.run()
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
