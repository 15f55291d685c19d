#!/usr/bin/env python3
"""make_corpus.py: write the seed corpus of the fuzz targets into
tests/fuzz/corpus/<target>/seed-*: request bodies shaped on the demo data
(demo/demo.sql) for every resource, with hostile variants; tokens signed
with the throwaway keys of keys.h (valid ones and the hostile ones of issue
7 item 1); cursors; CSV files. Also the dictionaries <target>.dict. Run it again after changing a field table or keys.h;
files a fuzz run adds (named by their SHA-1) are left alone.

Needs python3 and the openssl command (RS256/ES256 signatures)."""
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def keys():
    text = open(os.path.join(HERE, "keys.h"), encoding="utf-8").read()
    out = {}
    for name in ("NOW", "HS256_SECRET", "ISSUER", "AUDIENCE", "RSA_PRIVATE", "EC_PRIVATE"):
        m = re.search(r"#define FUZZ_%s\s+((?:\\\n|.)*?)(?:\n\n|\n#)" % name, text, re.S)
        if not m:
            sys.exit("make_corpus.py: keys.h has no FUZZ_" + name)
        v = m.group(1)
        if name == "NOW":
            out[name] = int(re.match(r"(\d+)", v).group(1))
        else:
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"', v)
            out[name] = "".join(parts).replace("\\n", "\n")
    return out


K = keys()
NOW = K["NOW"]


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def openssl_sign(pem, msg):
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
        f.write(pem)
        path = f.name
    try:
        return subprocess.run(["openssl", "dgst", "-sha256", "-sign", path], input=msg,
                              capture_output=True, check=True).stdout
    finally:
        os.unlink(path)


def der_to_raw(der):
    """ECDSA-Sig-Value (DER) to JWS R || S."""
    assert der[0] == 0x30
    i = 2 if der[1] < 0x80 else 3
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        v = der[i + 2:i + 2 + n]
        out += v.lstrip(b"\0").rjust(32, b"\0")
        i += 2 + n
    return out


def sign(alg, msg, key=None):
    msg = msg.encode()
    if alg == "HS256":
        return hmac.new((K["HS256_SECRET"] if key is None else key).encode(), msg, hashlib.sha256).digest()
    if alg == "RS256":
        return openssl_sign(K["RSA_PRIVATE"], msg)
    if alg == "ES256":
        return der_to_raw(openssl_sign(K["EC_PRIVATE"], msg))
    return b""


def token(header, payload, alg="HS256", key=None, raw_header=None, raw_payload=None):
    h = raw_header if raw_header is not None else b64(json.dumps(header, separators=(",", ":")))
    p = raw_payload if raw_payload is not None else b64(json.dumps(payload, separators=(",", ":"),
                                                                  ensure_ascii=False))
    msg = h + "." + p
    return msg + "." + b64(sign(alg, msg, key))


def claims(**kw):
    c = {"sub": "nguyen.van.a", "unit": "HUE-SYT", "role": "editor", "iat": NOW - 60, "exp": NOW + 3600}
    c.update(kw)
    return {k: v for k, v in c.items() if v is not None}


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- bodies ---------------------------------------------------------------------

UNIT = {"code": "HUE-SYT-CDC", "name": "Trung tâm Kiểm soát bệnh tật tỉnh Thừa Thiên Huế",
        "kind": "public_service_unit", "parent": "HUE-SYT", "valid_from": "2019-01-01"}
PLAN = {"unit": "HUE-SYT", "number": "595/KH-SYT", "year": 2019, "type": "plan",
        "issued_on": "2019-03-28", "place": "Thừa Thiên Huế",
        "title": "Kế hoạch thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ ngành Y tế năm 2019",
        "parent_plan": 1, "legal_bases": ["Luật Bình đẳng giới ngày 29/11/2006",
                                          "Kế hoạch số 53/KH-UBND ngày 12/3/2019 của UBND tỉnh"],
        "objectives": ["Nâng cao nhận thức về bình đẳng giới", "Giảm khoảng cách giới"],
        "funding": "Từ nguồn ngân sách sự nghiệp y tế năm 2019", "plans_due_on": "2019-04-15",
        "signer": "Nguyễn Đình Toàn", "signer_title": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        "recipients": ["HUE-SYT-CDC", "HUE-SYT-BVYHCT", "HUE-HT-TTYT"],
        "reporting": [{"period": "2019", "due_on": "2019-12-01", "data_from": "2019-01-01",
                       "data_to": "2019-11-30"},
                      {"period": "2019-H1", "due_on": "2019-06-15"}]}
ACTIVITY = {"section": "II.1", "category": "communication",
            "title": "Truyền thông nâng cao nhận thức về bình đẳng giới",
            "description": "Tổ chức 02 lớp tập huấn cho cán bộ, viên chức", "lead_unit": "HUE-SYT",
            "coordinating_units": ["HUE-SYT-CDC", "HUE-LDTBXH"], "starts_on": "2019-04-01",
            "ends_on": "2019-12-31", "budget_vnd": 15000000, "status": "planned", "progress": 0}
INDICATOR = {"code": "GEN-0301", "name": "Tỷ lệ nữ tham gia cấp ủy", "measure": "percent",
             "sex_disaggregated": False, "aggregation": "ratio", "numerator": "GEN-0301-N",
             "numerator_sex": "female", "denominator": "GEN-0301-D", "denominator_sex": "total",
             "scale": 100, "unit_of_measure": "%", "source": "Nghị quyết 28/NQ-CP", "active": True}
TARGETS = {"targets": [{"indicator": "GEN-0301", "unit": "HUE", "sex": "female", "year": 2025,
                        "baseline": None, "target": 25},
                       {"indicator": "GEN-0101", "unit": "HUE-SYT", "target": 0.5}]}
REPORT = {"plan": 2, "unit": "HUE-SYT-CDC", "period": "2019",
          "results": "Đã tổ chức 02 lớp tập huấn cho 120 lượt người",
          "difficulties": "Kinh phí hạn chế", "recommendations": None,
          "activity_results": [{"activity": 5, "status": "done", "sessions": 2,
                                "participants_female": 70, "participants_male": 50, "notes": None}],
          "values": [{"indicator": "GEN-0301", "sex": "female", "value": 31.5}]}


def bodies():
    def j(v):
        return json.dumps(v, ensure_ascii=False)
    out = {
        "unit.json": j(UNIT),
        "unit-merge.json": j({"into": "HUE-HT", "on": "2025-07-01"}),
        "plan.json": j(PLAN),
        "plan-issue.json": j({"issued_on": "2019-03-28"}),
        "plan-cancel.json": j({"reason": "Thay thế bằng kế hoạch mới"}),
        "plan-supersede.json": j({"by": 12}),
        "activity.json": j(ACTIVITY),
        "indicator.json": j(INDICATOR),
        "indicator-count.json": j({"code": "GEN-0101", "name": "Số vụ bạo lực gia đình",
                                   "measure": "count", "aggregation": "sum", "sex_disaggregated": True}),
        "targets.json": j(TARGETS),
        "report.json": j(REPORT),
        "report-return.json": j({"reason": "Thiếu số liệu 6 tháng"}),
        "bulk-units.json": j({"units": [UNIT, dict(UNIT, code="HUE-SYT-BVYHCT", name="Bệnh viện Y học cổ truyền")]}),
        "patch-plan.json": j({"title": "Đổi", "funding": None, "reporting": [{"period": "2019-Q3", "due_on": "2019-10-05"}]}),
        # mass assignment: read-only fields in a body
        "mass-assign.json": j(dict(PLAN, id=99, version=7, status="issued", created_at="2000-01-01",
                                   issued_at="2000-01-01", superseded_by=3)),
        # hostile shapes
        "empty.json": "{}",
        "array.json": "[]",
        "string.json": '"x"',
        "null-fields.json": j({k: None for k in PLAN}),
        "wrong-types.json": j({"unit": 1, "year": "2019", "title": ["x"], "recipients": "HUE",
                               "reporting": {"period": "2019"}, "budget_vnd": 1.5, "progress": True,
                               "scale": "100", "targets": [1, "x", None]}),
        "duplicate-key.json": '{"code":"HUE","code":"HUE-SYT","name":"x","kind":"province"}',
        "duplicate-nested.json": '{"targets":[{"indicator":"A","indicator":"B","unit":"HUE","target":1}]}',
        "deep-32.json": "[" * 31 + "{}" + "]" * 31,
        "deep-33.json": "{\"a\":" * 33 + "1" + "}" * 33,
        "deep-36-bulk.json": "{\"units\":" + "[" * 35 + "]" * 35 + "}",
        "deep-in-string.json": j({"title": "[" * 100, "unit": "HUE"}),
        "escaped-quote.json": '{"title":"\\"[[[[\\\\","year":2019}',
        "long-string.json": j({"name": "ư" * 301, "code": "HUE", "kind": "province"}),
        "long-key.json": j({"ệ" * 100: 1}),
        "long-key-bulk.json": j({"ệ" * 40: []}),
        "slash-key.json": j({"a/b~c": 1, "": 2}),
        "bad-utf8.json": b'{"name":"\xc3\x28","code":"HUE","kind":"province"}',
        "bad-escape.json": '{"name":"\\uD800"}',
        "bad-json-escape.json": '{"title":"Kế hoạch \\q"}',
        "big-int.json": '{"year":99999999999999999999,"budget_vnd":-9223372036854775808}',
        "big-real.json": '{"target":1e309,"scale":-1e308,"value":1e-400}',
        "dates.json": j({"issued_on": "2019-02-29", "plans_due_on": "2020-02-29", "due_on": "2019-13-01",
                         "valid_from": "1899-12-31", "starts_on": "2019-4-1", "ends_on": "２０１９-04-01"}),
        "periods.json": j({"period": "2024-H3", "reporting": [{"period": "2024-Q0", "due_on": "2024-01-01"},
                                                             {"period": "2024-13", "due_on": "2024-01-01"},
                                                             {"period": "1899", "due_on": "2024-01-01"}]}),
        "codes.json": j({"code": "hue", "parent": "HUE SYT", "recipients": ["HUE", "HUE", "", "X" * 65],
                         "coordinating_units": ["A", "A"]}),
        "enum.json": j({"kind": "tỉnh", "type": "PLAN", "category": "party", "measure": "Count"}),
        "sql-meta.json": j({"code": "HUE'--", "name": "x'); DROP TABLE bdg.unit; --", "kind": "province",
                            "parent": "HUE.*{1,}", "title": "unaccent('a') || ltree 'a.b'"}),
        "reporting-dup.json": j({"reporting": [{"period": "2019", "due_on": "2019-12-01"},
                                               {"period": "2019", "due_on": "2019-12-02",
                                                "data_from": "2019-12-31", "data_to": "2019-01-01"}]}),
        "many-empty-items.json": j({"reporting": [{}] * 300, "recipients": list(range(300))}),
        "ws.json": ' \t\r\n{ "reason" : "x" } \n',
        "trailing.json": '{"reason":"x"} {"reason":"y"}',
        "nul.json": b'{"reason":"a\x00b"}',
        "u0000.json": '{"reason":"a\\u0000b"}',
    }
    for name, data in out.items():
        write("body", name, data)


# ---- tokens --------------------------------------------------------------------

V_HS, V_HS_ISS_AUD, V_RS, V_ES = 0, 1, 2, 3


def tokens():
    hs = {"alg": "HS256", "typ": "JWT"}
    raw = {
        "hs-valid": (V_HS, token(hs, claims())),
        "hs-valid-admin-nbf": (V_HS, token(hs, claims(role="admin", nbf=NOW - 10)),),
        "hs-iss-aud-valid": (V_HS_ISS_AUD, token(hs, claims(iss=K["ISSUER"], aud=[K["AUDIENCE"], "other"]))),
        "rs-valid": (V_RS, token({"alg": "RS256", "typ": "JWT"}, claims(role="viewer"), "RS256")),
        "es-valid": (V_ES, token({"alg": "ES256"}, claims(role="approver"), "ES256")),
        # issue 7 item 1
        "alg-none": (V_HS, token({"alg": "none", "typ": "JWT"}, claims(), "none")),
        "alg-none-sig": (V_HS, token({"alg": "none"}, claims(), "none") + "AAAA"),
        "hs512": (V_HS, b64('{"alg":"HS512","typ":"JWT"}') + "." + b64(json.dumps(claims())) + "."
                  + b64(hmac.new(K["HS256_SECRET"].encode(), b"x", hashlib.sha512).digest())),
        "rs256-header-on-hs": (V_HS, token({"alg": "RS256", "typ": "JWT"}, claims(), "RS256")),
        "hs256-header-on-rs": (V_RS, token(hs, claims(), "HS256")),
        "empty-key": (V_HS, token(hs, claims(), "HS256", key="")),
        "wrong-key": (V_HS, token(hs, claims(), "HS256", key="another-secret-0123456789abcdef0123456789")),
        "expired": (V_HS, token(hs, claims(exp=NOW - 31))),
        "expired-in-leeway": (V_HS, token(hs, claims(exp=NOW - 29))),
        "nbf-future": (V_HS, token(hs, claims(nbf=NOW + 31))),
        "iat-future": (V_HS, token(hs, claims(iat=NOW + 3600))),
        "no-exp": (V_HS, token(hs, claims(exp=None))),
        "string-exp": (V_HS, token(hs, claims(exp=str(NOW + 3600)))),
        "real-exp": (V_HS, token(hs, claims(exp=NOW + 3600.5))),
        "wrong-iss": (V_HS_ISS_AUD, token(hs, claims(iss="https://evil.test", aud=K["AUDIENCE"]))),
        "wrong-aud": (V_HS_ISS_AUD, token(hs, claims(iss=K["ISSUER"], aud=["x", 1]))),
        "dup-sub": (V_HS, token(hs, None, raw_payload=b64(
            '{"sub":"a","unit":"HUE","role":"viewer","exp":%d,"sub":"admin"}' % (NOW + 60)))),
        "dup-alg": (V_HS, token(None, claims(), raw_header=b64('{"alg":"none","alg":"HS256"}'))),
        "four-segments": (V_HS, token(hs, claims()) + ".AAAA"),
        "two-segments": (V_HS, ".".join(token(hs, claims()).split(".")[:2])),
        "9kb": (V_HS, token(hs, claims(sub="a" * 7000))),
        "payload-not-json": (V_HS, token(hs, None, raw_payload=b64("not json"))),
        "payload-array": (V_HS, token(hs, None, raw_payload=b64("[1,2]"))),
        "padding": (V_HS, token(hs, claims()).replace(".", "=.", 1)),
        "b64-std": (V_HS, token(hs, claims(sub="??>>??>>")).replace("-", "+").replace("_", "/")),
        "crit": (V_HS, token({"alg": "HS256", "crit": ["exp"]}, claims())),
        "typ-jwe": (V_HS, token({"alg": "HS256", "typ": "JWE"}, claims())),
        "control-sub": (V_HS, token(hs, claims(sub="a\nb"))),
        "long-unit": (V_HS, token(hs, claims(unit="U" * 64))),
        "role-root": (V_HS, token(hs, claims(role="root"))),
        "bearer-prefix": (V_HS, "Bearer " + token(hs, claims())),
        "empty": (V_HS, ""),
        "dots": (V_HS, ".."),
    }
    for name, (v, tok) in raw.items():
        write("token", "raw-" + name, bytes([v]) + tok.encode())
    # built mode: bit 2; bit 3 = the verifier's own header
    for v, extra in ((V_HS, {}), (V_HS_ISS_AUD, {"iss": K["ISSUER"], "aud": K["AUDIENCE"]}),
                     (V_RS, {}), (V_ES, {})):
        alg = ["HS256", "HS256", "RS256", "ES256"][v]
        c = json.dumps(claims(**extra), separators=(",", ":"))
        write("token", "built-own-header-%d" % v, bytes([v | 4 | 8]) + c.encode())
        write("token", "built-%d" % v, bytes([v | 4]) + ('{"alg":"%s","typ":"JWT"}' % alg).encode() + b"\0" + c.encode())
        write("token", "built-confusion-%d" % v, bytes([v | 4 | 8 | (1 << 5)]) + c.encode())
        write("token", "built-none-%d" % v, bytes([v | 4 | 8 | (2 << 5)]) + c.encode())
    write("token", "built-claims-edge", bytes([4 | 8]) + ('{"sub":"x","unit":"HUE","role":"admin","exp":%d,'
                                                         '"nbf":%d,"iat":%d,"aud":[],"iss":null}'
                                                         % (NOW - 29, NOW + 30, NOW + 30)).encode())
    write("token", "built-huge-exp", bytes([4 | 8]) + b'{"sub":"x","unit":"HUE","role":"admin","exp":9223372036854775807}')
    write("token", "built-min-exp", bytes([4 | 8]) + b'{"sub":"x","unit":"HUE","role":"admin","exp":-9223372036854775808,"nbf":-9223372036854775808}')


# ---- CSV files -------------------------------------------------------------------

# fuzz_csv's first byte picks the resource: 0 units, 1 indicators,
# 2 activities, 3 targets, 4 report_values, 5 plans (no CSV import).
def csv_files():
    files = {
        "units": (0, "code,name,kind,parent,valid_from\r\n"
                     "HUE-SYT-CDC,Trung tâm Kiểm soát bệnh tật,public_service_unit,HUE-SYT,2019-01-01\r\n"
                     "HUE-SYT-BVYHCT,\"Bệnh viện Y học cổ truyền, tỉnh\",public_service_unit,HUE-SYT,\r\n"),
        "units-bom-semicolon": (0, "\ufeffcode;name;kind;parent\n"
                                   "HUE-HT-P1;\"Phường Tứ Hạ; thị xã\";commune;HUE-HT\n;;;\n"),
        "units-cr": (0, "code,name,kind\rHUE-X,X,other\rHUE-Y,\"Y\r\nZ\",other"),
        "indicators": (1, "code,name,measure,aggregation,sex_disaggregated,scale,numerator,denominator\n"
                          "GEN-0101,Số vụ bạo lực gia đình,count,sum,true,,,\n"
                          "GEN-0301,Tỷ lệ nữ,percent,ratio,0,\"100,5\",GEN-0301-N,GEN-0301-D\n"),
        "activities": (2, "plan_unit,plan_number,plan_year,section,title,category,lead_unit,"
                          "coordinating_units,starts_on,ends_on,budget_vnd,progress\n"
                          "HUE-SYT,595/KH-SYT,2019,II.1,Truyền thông,communication,HUE-SYT,"
                          "HUE-SYT-CDC|HUE-LDTBXH,2019-04-01,2019-12-31,15000000,0\n"
                          "HUE-SYT,595/KH-SYT,2019,II.2,Tập huấn,capacity_building,,"
                          "\"[\"\"HUE\"\"]\",2019-05-01,2019-04-01,-1,101\n"),
        "targets": (3, "plan_unit;plan_number;plan_year;indicator;unit;sex;year;baseline;target\n"
                       "HUE;25/KH-UBND;2023;GEN-0301;HUE;female;2025;;25,5\n"
                       "HUE;25/KH-UBND;2023;GEN-0101;HUE;total;2025;1e3;-0\n"),
        "report-values": (4, "report,indicator,sex,value\n1,GEN-0301,female,31.5\n"),
        "plans": (5, "unit,number,year,title\nHUE,1/KH,2024,x\n"),
        "unclosed-quote": (0, "code,name,kind\nHUE-X,\"open,other\n"),
        "bad-utf8": (0, b"code,name,kind\nHUE-X,\xc3\x28,other\n"),
        "nul": (0, b"code,name,kind\nHUE-X,a\x00b,other\n"),
        "many-columns": (0, ",".join(["c%d" % i for i in range(300)]) + "\n" + ",".join(["x"] * 300) + "\n"),
        "long-header": (0, "code,name,kind," + "ệ" * 60 + "a\nHUE-X,X,other,1\n"),
        "dup-header": (0, "code,code,name,kind\nA,B,X,other\n"),
        "more-cells": (0, "code,name,kind\nHUE-X,X,other,extra,extra\n"),
        "empty": (0, ""),
        "only-bom": (0, "\ufeff"),
        "quotes-in-unquoted": (0, 'code,name,kind\nHUE-X,a"b"c,other\n'),
        "sql-meta": (0, "code,name,kind\n\"HUE'--\",\"x'); DROP TABLE bdg.unit; --\",other\n"),
    }
    for name, (r, text) in files.items():
        if isinstance(text, str):
            text = text.encode()
        write("csv", name, bytes([r]) + text)


# ---- dictionaries --------------------------------------------------------------

def dict_entry(s):
    """A libFuzzer dictionary line: printable ASCII as is, the rest as \\xNN."""
    if isinstance(s, str):
        s = s.encode()
    out = ""
    for b in s:
        if 0x20 <= b < 0x7f and b not in (0x22, 0x5c):
            out += chr(b)
        else:
            out += "\\x%02X" % b
    return '"' + out + '"'


def dictionaries():
    lib = os.path.join(HERE, "..", "..", "lib")
    names, enums = set(), set()
    for f in sorted(os.listdir(lib)):
        if not f.endswith(".c"):
            continue
        text = open(os.path.join(lib, f), encoding="utf-8").read()
        names.update(re.findall(r'\{"([a-z_]+)", V_[A-Z]+', text))
        for body in re.findall(r"const char \*const \w+\[\] = \{([^;]*?NULL)\};", text, re.S):
            enums.update(re.findall(r'"([^"]+)"', body))
    words = ['"%s"' % n for n in sorted(names)] + ['"%s"' % e for e in sorted(enums)]
    words += ["{", "}", "[", "]", ":", ",", "null", "true", "false", "-0", "1e309", "0.5",
              "9223372036854775807", "-9223372036854775808", '"\\u0000"', '"\\uD800"', '"\\"',
              '"2024-02-29"', '"2023-02-29"', '"2024-12-31"', '"2024"', '"2024-H1"', '"2024-Q4"',
              '"2024-05"', '"HUE"', '"HUE-SYT"', '"GEN-0301"', "Thừa Thiên Huế", b"\xc3\x28", b"\xed\xa0\x80"]
    with open(os.path.join(HERE, "body.dict"), "w", encoding="utf-8") as out:
        out.write("# body.dict: fuzz_body's dictionary (make_corpus.py writes it from the\n"
                  "# field tables and enums of lib/*.c).\n")
        for w in words:
            out.write(dict_entry(w) + "\n")
    with open(os.path.join(HERE, "token.dict"), "w", encoding="utf-8") as out:
        out.write("# token.dict: fuzz_token's dictionary (make_corpus.py writes it): claim\n"
                  "# and header names, algorithms, roles, base64url of common JSON starts.\n")
        for w in ['"alg"', '"typ"', '"crit"', '"kid"', '"jku"', '"HS256"', '"RS256"', '"ES256"', '"HS512"',
                  '"none"', '"JWT"', '"exp"', '"nbf"', '"iat"', '"iss"', '"aud"', '"sub"', '"unit"', '"role"',
                  '"viewer"', '"editor"', '"approver"', '"admin"', '"%s"' % K["ISSUER"], '"%s"' % K["AUDIENCE"],
                  str(NOW), str(NOW + 3600), str(NOW - 31), str(NOW + 31), "9223372036854775807", "1e10",
                  "eyJ", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "eyJhbGciOiJub25lIn0", ".", "..", "=", "+", "/"]:
            out.write(dict_entry(w) + "\n")
    with open(os.path.join(HERE, "csv.dict"), "w", encoding="utf-8") as out:
        out.write("# csv.dict: fuzz_csv's dictionary (make_corpus.py writes it): the field\n"
                  "# names of lib/*.c and CSV syntax.\n")
        for w in sorted(names) + ["plan_unit", "plan_number", "plan_year", ",", ";", '"', '""', "\r\n",
                                  "\r", "\n", "|", "[", "]", "\ufeff", "true", "false", "1,5", "2024-02-29"]:
            out.write(dict_entry(w) + "\n")
    with open(os.path.join(HERE, "cursor.dict"), "w", encoding="utf-8") as out:
        out.write("# cursor.dict: fuzz_cursor's dictionary (make_corpus.py writes it).\n")
        for w in [b64(b"k1:"), "0", "1", "500", "501", "-1", "1000000000", "\n", "{", "}", "/", ",",
                  "=", "+", "_", "-"]:
            out.write(dict_entry(w) + "\n")


# ---- cursors -------------------------------------------------------------------

def cursors():
    def cur(key):
        return b64(b"k1:" + key.encode())
    items = {
        "id": (1, None, cur("12345")),
        "limit-id": (3, "50", cur("7")),
        "code": (0, None, cur("HUE-SYT")),
        "activity-key": (0, None, cur("{2,3,1}/17")),
        "activity-key-bad": (0, None, cur("{,,}/99999999999999999999999")),
        "vietnamese-key": (0, None, cur("Thừa Thiên Huế/12")),
        "limit-max": (2, "500", None),
        "limit-neg": (2, "-1", ""),
        "limit-huge": (2, "1000000000", ""),
        "limit-hex": (2, "0x10", ""),
        "limit-space": (2, " 5", ""),
        "forged": (1, None, "AAAA"),
        "forged-prefix": (0, None, cur("")[:-1]),
        "numeric-19": (1, None, cur("1234567890123456789")),
        "numeric-sign": (1, None, cur("-5")),
        "padding": (0, None, cur("7") + "=="),
        "std-alphabet": (0, None, "azE6+/"),
        "long-key": (0, None, cur("x" * 255)),
        "too-long-key": (0, None, cur("x" * 256)),
        "nul-key": (0, None, b64(b"k1:a\0b")),
        "stray-bits": (0, None, "azE6Nx"),
    }
    for name, (flags, limit, after) in items.items():
        text = ""
        if flags & 2:
            text = (limit or "") + ("\n" + after if after is not None else "")
        else:
            text = after or ""
        write("cursor", name, bytes([flags]) + text.encode())


if __name__ == "__main__":
    bodies()
    tokens()
    cursors()
    csv_files()
    dictionaries()
