#!/usr/bin/env python3
"""bench.py: the small helpers of tests/bench/run (standard library only).

  bench.py stmt FILE NAME            the SQL of `struct db_stmt` NAME in a lib/*.c
                                     file, with $n written as :pn for pgbench
  bench.py sql FILE NAME             the same SQL as it is ($n)
  bench.py units ROOT D C            a bulk body: a province ROOT, D districts,
                                     C communes under each (1 + D + D*C units)
  bench.py reports ROOT NUMBER N NIND D C
                                     a bulk body: the annual 2025 reports on plan
                                     NUMBER of 2025 issued by ROOT from its first N
                                     communes (coded as `units` codes them, D
                                     districts of C communes), NIND indicators
                                     BENCH-Inn by sex each (female, male, total)
  bench.py changes HOST:PORT TOKEN TOTAL LIMIT
                                     read TOTAL changes from since=0 at LIMIT a
                                     page; prints "changes N pages P seconds S rate R"
  bench.py median HOST:PORT TOKEN PATH N
                                     GET PATH N times on one connection; prints
                                     "median_ms M status S"
  bench.py posts HOST:PORT TOKEN PATH FILE N
                                     POST the JSON of FILE N times on one connection
                                     ("{i}" in it becomes 1..N); prints
                                     "created N first ID" (ID from Location)
  bench.py pct FILE...               p50 and p99 (ms) of pgbench -l logs:
                                     "p50 X p99 Y n N"
  bench.py table FILE                print the result rows (tab-separated) as a table
"""
import http.client
import json
import re
import statistics
import sys
import time


STR = r'"(?:[^"\\]|\\.)*"'


def c_strings(text, macros):
    """The concatenation of C string literals and string macros in text."""
    out = []
    for tok in re.findall(STR + r"|[A-Za-z_][A-Za-z0-9_]*", text):
        if tok.startswith('"'):
            body = tok[1:-1]
            out.append(body.encode().decode("unicode_escape") if "\\" in body else body)
        elif tok in macros:
            out.append(macros[tok])
        else:
            raise ValueError(tok)
    return "".join(out)


def preprocessed(path):
    """path run through the C preprocessor (every macro expanded), for
    statements built with function-like macros (lib/query.h's LIST_*)."""
    import os
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.abspath(path)))
    out = subprocess.run(["cc", "-E", "-P", "-I", os.path.join(root, "lib"), "-I", "/usr/include/postgresql", path],
                         check=True, capture_output=True, text=True)
    return out.stdout


def stmt(path, name, raw=False):
    src = open(path, encoding="utf-8").read()
    for attempt in (0, 1):
        macros = {}
        for m in re.finditer(r"^#define\s+([A-Za-z_][A-Za-z0-9_]*)[ \t]+((?:.*\\\n)*.*)$", src, re.M):
            try:
                macros[m.group(1)] = c_strings(m.group(2).replace("\\\n", " "), macros)
            except ValueError:
                pass
        m = re.search(r'\{\s*"%s",((?:\s*(?:%s|[A-Za-z_][A-Za-z0-9_]*))+)\s*,\s*(\d+)\s*,?\s*\}'
                      % (re.escape(name), STR), src)
        if not m:
            sys.exit("bench.py: no statement %s in %s" % (name, path))
        try:
            sql = c_strings(m.group(1), macros)
            break
        except ValueError as e:
            if attempt:
                sys.exit("bench.py: statement %s in %s uses %s, which is not a string macro" % (name, path, e))
            src = preprocessed(path)
    if raw:
        print(sql)
        return
    sql = re.sub(r"\$(\d+)", lambda x: ":p" + x.group(1), sql)
    print(sql + ";")


def units(root, d, c):
    items = [{"code": root, "name": "Tỉnh %s (benchmark)" % root, "kind": "province", "parent": None}]
    for i in range(1, d + 1):
        dc = "%s-D%03d" % (root, i)
        items.append({"code": dc, "name": "Huyện số %d" % i, "kind": "district", "parent": root})
        for j in range(1, c + 1):
            items.append({"code": "%s-C%04d" % (dc, j), "name": "Xã số %d huyện %d" % (j, i),
                          "kind": "commune", "parent": dc})
    json.dump({"units": items}, sys.stdout, ensure_ascii=False, separators=(",", ":"))


def reports(root, number, n, nind, d, c):
    codes = ["%s-D%03d-C%04d" % (root, i, j) for i in range(1, d + 1) for j in range(1, c + 1)]
    codes.sort()
    items = []
    for k, code in enumerate(codes[:n]):
        values = []
        for i in range(1, nind + 1):
            f, m = (k * 7 + i * 13) % 50, (k * 11 + i * 5) % 40
            ind = "BENCH-I%02d" % i
            values += [{"indicator": ind, "sex": "female", "value": f},
                       {"indicator": ind, "sex": "male", "value": m},
                       {"indicator": ind, "sex": "total", "value": f + m}]
        items.append({"plan": {"unit": root, "number": number, "year": 2025}, "unit": code,
                      "period": "2025", "results": "Số liệu năm 2025 (benchmark).", "values": values})
    json.dump({"reports": items}, sys.stdout, ensure_ascii=False, separators=(",", ":"))


def conn(hostport):
    host, port = hostport.rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=60)


def changes(hostport, token, total, limit):
    c = conn(hostport)
    hdr = {"Authorization": "Bearer " + token}
    since, n, pages = "0", 0, 0
    tail = re.compile(rb'"next":"(\d+)","more":(true|false)\}\s*$')
    t0 = time.perf_counter()
    while n < total:
        c.request("GET", "/api/v1/changes?since=%s&limit=%d" % (since, limit), headers=hdr)
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            sys.exit("bench.py: /changes answered %d: %s" % (r.status, body[:200]))
        pages += 1
        n += len(re.findall(rb'"revision"\s*:', body))
        m = tail.search(body[-200:])
        if not m:
            sys.exit("bench.py: /changes: no next cursor")
        since = m.group(1).decode()
        if m.group(2) == b"false":
            break
    s = time.perf_counter() - t0
    print("changes %d pages %d seconds %.4f rate %.0f" % (n, pages, s, n / s))


def median(hostport, token, path, count):
    c = conn(hostport)
    hdr = {"Authorization": "Bearer " + token}
    times, status = [], 0
    for _ in range(count):
        t0 = time.perf_counter()
        c.request("GET", path, headers=hdr)
        r = c.getresponse()
        r.read()
        times.append((time.perf_counter() - t0) * 1000)
        status = r.status
    print("median_ms %.3f status %d" % (statistics.median(times), status))


def posts(hostport, token, path, file, count):
    c = conn(hostport)
    tmpl = open(file, encoding="utf-8").read()
    hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    first, made = None, 0
    for i in range(1, count + 1):
        c.request("POST", path, body=tmpl.replace("{i}", str(i)).encode(), headers=hdr)
        r = c.getresponse()
        body = r.read()
        if r.status != 201:
            sys.exit("bench.py: POST %s answered %d: %s" % (path, r.status, body[:300]))
        made += 1
        if first is None:
            first = (r.getheader("Location") or "").rstrip("/").rsplit("/", 1)[-1]
    print("created %d first %s" % (made, first))


def pct(files):
    v = []
    for f in files:
        with open(f) as fh:
            for line in fh:
                x = line.split()
                if len(x) >= 3:
                    v.append(int(x[2]))
    if not v:
        print("p50 0 p99 0 n 0")
        return
    v.sort()
    q = lambda p: v[min(len(v) - 1, int(len(v) * p))] / 1000.0
    print("p50 %.3f p99 %.3f n %d" % (q(0.5), q(0.99), len(v)))


def table(path):
    head = ["step", "measure", "figure", "reference (limit)", "ratio", "target", "result", "cmd"]
    rows = [l.rstrip("\n").split("\t") for l in open(path, encoding="utf-8") if l.strip()]
    rows = [r + [""] * (len(head) - len(r)) for r in rows]
    rows.sort(key=lambda r: int(r[0]) if r[0].isdigit() else 99)
    w = [max(len(x) for x in col) for col in zip(head, *rows)]
    line = lambda r: " | ".join(x.ljust(w[i]) for i, x in enumerate(r)).rstrip()
    print(line(head))
    print("-+-".join("-" * x for x in w))
    for r in rows:
        print(line(r))


def main(a):
    if len(a) < 2:
        sys.exit(__doc__)
    cmd = a[1]
    if cmd == "stmt":
        stmt(a[2], a[3])
    elif cmd == "sql":
        stmt(a[2], a[3], raw=True)
    elif cmd == "units":
        units(a[2], int(a[3]), int(a[4]))
    elif cmd == "reports":
        reports(a[2], a[3], int(a[4]), int(a[5]), int(a[6]), int(a[7]))
    elif cmd == "changes":
        changes(a[2], a[3], int(a[4]), int(a[5]))
    elif cmd == "median":
        median(a[2], a[3], a[4], int(a[5]))
    elif cmd == "posts":
        posts(a[2], a[3], a[4], a[5], int(a[6]))
    elif cmd == "pct":
        pct(a[2:])
    elif cmd == "table":
        table(a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
