#!/usr/bin/python3
"""A ChirpStack v4 API emulator for the tests: the calls the export needs.

Written from ../shared/spec/sources-transport.md §1 (what ChirpStack's API
port serves, the framing, the calls, the messages and their field numbers)
and ChirpStack's api/proto/api/*.proto, never from the tool's C codec: the
messages are built with the python3-protobuf runtime from descriptors
declared below, so the tool's hand-written decoder is checked against an
independent encoder.

One TCP port serves both protocols, as ChirpStack does: a connection that
starts with the HTTP/2 preface is HTTP/2 (python3-h2; plain gRPC and
gRPC-web), anything else is HTTP/1.1 (gRPC-web only). See README.md.

    /usr/bin/python3 tests/csemu/csemu.py --port 0 --seed FILE [--quiet] [--unknown-fields]
        [--tls-cert PEM --tls-key PEM]
"""
import argparse
import base64
import json
import re
import socket
import sys
import threading
import urllib.parse

import h2.config
import h2.connection
import h2.events
import h2.exceptions
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

# ---- messages (sources-transport.md §1.5) -----------------------------------

T = descriptor_pb2.FieldDescriptorProto
STR, BOOL, U32, I32, I64, FLT, BYTES, MSG = (T.TYPE_STRING, T.TYPE_BOOL, T.TYPE_UINT32,
                                             T.TYPE_INT32, T.TYPE_INT64, T.TYPE_FLOAT,
                                             T.TYPE_BYTES, T.TYPE_MESSAGE)
REP = "repeated"
# name: [(number, field name, type, message type or None, repeated?)]
# Enums are declared as int32: proto3 enums are varints on the wire.
MESSAGES = {
    "Entry": [(1, "key", STR), (2, "value", STR)],  # a map<string,string> entry
    "Timestamp": [(1, "seconds", I64), (2, "nanos", I32)],
    "Empty": [],
    "IdRequest": [(1, "id", STR)],  # Get{Device,DeviceKeys,DeviceActivation,...}Request
    "Device": [(1, "dev_eui", STR), (2, "name", STR), (3, "description", STR),
               (4, "application_id", STR), (5, "device_profile_id", STR),
               (6, "skip_fcnt_check", BOOL), (7, "is_disabled", BOOL),
               (8, "variables", MSG, "Entry", REP), (9, "tags", MSG, "Entry", REP),
               (10, "join_eui", STR)],
    "DeviceStatus": [(1, "margin", I32), (2, "external_power_source", BOOL),
                     (3, "battery_level", FLT)],
    "GetDeviceResponse": [(1, "device", MSG, "Device"), (2, "created_at", MSG, "Timestamp"),
                          (3, "updated_at", MSG, "Timestamp"),
                          (4, "last_seen_at", MSG, "Timestamp"),
                          (5, "device_status", MSG, "DeviceStatus"), (6, "class_enabled", I32)],
    "DeviceKeys": [(1, "dev_eui", STR), (2, "nwk_key", STR), (3, "app_key", STR),
                   (4, "gen_app_key", STR)],
    "GetDeviceKeysResponse": [(1, "device_keys", MSG, "DeviceKeys"),
                              (2, "created_at", MSG, "Timestamp"),
                              (3, "updated_at", MSG, "Timestamp")],
    "DeviceActivation": [(1, "dev_eui", STR), (2, "dev_addr", STR), (3, "app_s_key", STR),
                         (4, "nwk_s_enc_key", STR), (5, "f_cnt_up", U32),
                         (6, "n_f_cnt_down", U32), (8, "s_nwk_s_int_key", STR),
                         (9, "f_nwk_s_int_key", STR), (10, "a_f_cnt_down", U32)],
    "KeyEnvelope": [(1, "kek_label", STR), (2, "aes_key", BYTES)],
    "JoinServerContext": [(1, "session_key_id", STR), (2, "app_s_key", MSG, "KeyEnvelope")],
    "GetDeviceActivationResponse": [(1, "device_activation", MSG, "DeviceActivation"),
                                    (2, "join_server_context", MSG, "JoinServerContext")],
    "DeviceProfile": [(1, "id", STR), (2, "tenant_id", STR), (3, "name", STR),
                      (26, "description", STR), (4, "region", I32), (5, "mac_version", I32),
                      (6, "reg_params_revision", I32), (7, "adr_algorithm_id", STR),
                      (8, "payload_codec_runtime", I32), (9, "payload_codec_script", STR),
                      (10, "flush_queue_on_activate", BOOL), (11, "uplink_interval", U32),
                      (12, "device_status_req_interval", U32), (13, "supports_otaa", BOOL),
                      (14, "supports_class_b", BOOL), (15, "supports_class_c", BOOL),
                      (16, "class_b_timeout", U32), (17, "class_b_ping_slot_nb_k", U32),
                      (18, "class_b_ping_slot_dr", U32), (19, "class_b_ping_slot_freq", U32),
                      (20, "class_c_timeout", U32), (21, "abp_rx1_delay", U32),
                      (22, "abp_rx1_dr_offset", U32), (23, "abp_rx2_dr", U32),
                      (24, "abp_rx2_freq", U32), (25, "tags", MSG, "Entry", REP),
                      (29, "region_config_id", STR), (52, "allow_roaming", BOOL),
                      (53, "rx1_delay", U32)],
    "GetDeviceProfileResponse": [(1, "device_profile", MSG, "DeviceProfile"),
                                 (2, "created_at", MSG, "Timestamp"),
                                 (3, "updated_at", MSG, "Timestamp")],
    "ListRequest": [(1, "limit", U32), (2, "offset", U32), (3, "search", STR),
                    (4, "parent_id", STR)],  # ListDevices: application_id; ListApplications: tenant_id
    "DeviceListItem": [(1, "dev_eui", STR), (2, "created_at", MSG, "Timestamp"),
                       (3, "updated_at", MSG, "Timestamp"), (4, "last_seen_at", MSG, "Timestamp"),
                       (5, "name", STR), (6, "description", STR), (7, "device_profile_id", STR),
                       (8, "device_profile_name", STR), (9, "device_status", MSG, "DeviceStatus")],
    "ListDevicesResponse": [(1, "total_count", U32), (2, "result", MSG, "DeviceListItem", REP)],
    "Application": [(1, "id", STR), (2, "name", STR), (3, "description", STR),
                    (4, "tenant_id", STR), (5, "tags", MSG, "Entry", REP)],
    "GetApplicationResponse": [(1, "application", MSG, "Application"),
                               (2, "created_at", MSG, "Timestamp"),
                               (3, "updated_at", MSG, "Timestamp"),
                               (4, "measurement_keys", STR, None, REP)],
    "ApplicationListItem": [(1, "id", STR), (2, "created_at", MSG, "Timestamp"),
                            (3, "updated_at", MSG, "Timestamp"), (4, "name", STR),
                            (5, "description", STR)],
    "ListApplicationsResponse": [(1, "total_count", U32),
                                 (2, "result", MSG, "ApplicationListItem", REP)],
    "TenantListItem": [(1, "id", STR), (2, "created_at", MSG, "Timestamp"),
                       (3, "updated_at", MSG, "Timestamp"), (4, "name", STR)],
    "ListTenantsResponse": [(1, "total_count", U32), (2, "result", MSG, "TenantListItem", REP)],
    "UpdateDeviceRequest": [(1, "device", MSG, "Device")],
    "ActivateDeviceRequest": [(1, "device_activation", MSG, "DeviceActivation")],
}


def build_classes():
    fdp = descriptor_pb2.FileDescriptorProto(name="csemu.proto", package="api", syntax="proto3")
    for name, fields in MESSAGES.items():
        m = fdp.message_type.add(name=name)
        for f in fields:
            num, fname, ftype = f[0], f[1], f[2]
            tname = f[3] if len(f) > 3 else None
            rep = len(f) > 4 and f[4] == REP
            fd = m.field.add(name=fname, number=num, type=ftype,
                             label=T.LABEL_REPEATED if rep else T.LABEL_OPTIONAL)
            if tname:
                fd.type_name = ".api." + tname
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    factory = message_factory.MessageFactory(pool)
    return {n: factory.GetPrototype(pool.FindMessageTypeByName("api." + n)) for n in MESSAGES}


M = build_classes()

# Enum numbers by name (common.proto, device_profile.proto).
REGION = {"EU868": 0, "US915": 2, "CN779": 3, "EU433": 4, "AU915": 5, "CN470": 6, "AS923": 7,
          "KR920": 8, "IN865": 9, "RU864": 10, "ISM2400": 11, "AS923_2": 12, "AS923_3": 13,
          "AS923_4": 14}
MAC_VERSION = {"LORAWAN_1_0_0": 0, "LORAWAN_1_0_1": 1, "LORAWAN_1_0_2": 2, "LORAWAN_1_0_3": 3,
               "LORAWAN_1_0_4": 4, "LORAWAN_1_1_0": 5}
REG_PARAMS = {"A": 0, "B": 1, "RP002_1_0_0": 2, "RP002_1_0_1": 3, "RP002_1_0_2": 4,
              "RP002_1_0_3": 5, "RP002_1_0_4": 6, "RP002_1_0_5": 7}
CODEC = {"NONE": 0, "CAYENNE_LPP": 1, "JS": 2}

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EUI_RE = re.compile(r"^[0-9a-fA-F]{16}$")
GRPC_WEB_TYPES = ("application/grpc-web", "application/grpc-web+proto",
                  "application/grpc-web-text", "application/grpc-web-text+proto")


class Status(Exception):
    def __init__(self, code, message=""):
        super().__init__(message)
        self.code, self.message = code, message


def ts(value):
    """An RFC 3339 UTC time ("2026-11-30T10:00:00Z") as a Timestamp."""
    import datetime
    t = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return M["Timestamp"](seconds=int(t.timestamp()))


def entries(msg_field, mapping):
    for k in sorted((mapping or {}).keys()):
        msg_field.add(key=k, value=str(mapping[k]))


# ---- state ----------------------------------------------------------------

class State:
    def __init__(self, seed, unknown_fields):
        self.lock = threading.Lock()
        self.keys = {k["token"]: k for k in seed.get("api_keys", [])}
        self.tenants = {t["id"]: t for t in seed.get("tenants", [])}
        self.apps = {a["id"]: a for a in seed.get("applications", [])}
        self.profiles = {p["id"]: p for p in seed.get("device_profiles", [])}
        self.devices = {d["dev_eui"].lower(): dict(d) for d in seed.get("devices", [])}
        self.unknown_fields = unknown_fields
        self.log = []
        self.faults = []

    # Auth (chirpstack src/api/auth): Unauthenticated (16) for every failure,
    # "no access" included, with an empty message for unknown keys and access.
    def key_of(self, authorization):
        if authorization is None:
            raise Status(16, "no authorization provided")
        if not authorization.startswith("Bearer "):
            raise Status(16, "authorization metadata must be in format 'Bearer <TOKEN>'")
        k = self.keys.get(authorization[len("Bearer "):])
        if k is None:
            raise Status(16, "")
        return k

    @staticmethod
    def allow(key, tenant_id):
        if not (key.get("admin") or key.get("tenant_id") == tenant_id):
            raise Status(16, "")

    def device(self, key, dev_eui):
        if not EUI_RE.match(dev_eui or ""):
            raise Status(13, "Invalid EUI: %s" % dev_eui)  # as ChirpStack: internal, not 3
        d = self.devices.get(dev_eui.lower())
        if d is None:
            raise Status(5, "Object does not exist (id: %s)" % dev_eui.lower())
        self.allow(key, self.apps.get(d["application_id"], {}).get("tenant_id"))
        return d


def need_uuid(v):
    if not UUID_RE.match(v or ""):
        raise Status(3, "invalid UUID: %s" % v)


# ---- the methods (sources-transport.md §1.4) ---------------------------------

def device_msg(d, out):
    out.dev_eui = d["dev_eui"].lower()
    out.name = d.get("name", "")
    out.description = d.get("description", "")
    out.application_id = d["application_id"]
    out.device_profile_id = d["device_profile_id"]
    out.skip_fcnt_check = bool(d.get("skip_fcnt_check"))
    out.is_disabled = bool(d.get("is_disabled"))
    entries(out.variables, d.get("variables"))
    entries(out.tags, d.get("tags"))
    out.join_eui = d.get("join_eui", "")


def m_device_get(st, key, body):
    req = M["IdRequest"].FromString(body)
    d = st.device(key, req.id)
    r = M["GetDeviceResponse"]()
    device_msg(d, r.device)
    r.created_at.CopyFrom(ts("2025-01-01T00:00:00Z"))
    r.updated_at.CopyFrom(ts("2025-06-01T00:00:00Z"))
    if d.get("last_seen_at"):
        r.last_seen_at.CopyFrom(ts(d["last_seen_at"]))
    return r


def m_device_keys(st, key, body):
    d = st.device(key, M["IdRequest"].FromString(body).id)
    k = d.get("keys")
    if not k:
        raise Status(5, "Object does not exist (id: %s)" % d["dev_eui"].lower())
    r = M["GetDeviceKeysResponse"]()
    r.device_keys.dev_eui = d["dev_eui"].lower()
    r.device_keys.nwk_key = k.get("nwk_key", "")
    r.device_keys.app_key = k.get("app_key", "")
    return r


def m_device_activation(st, key, body):
    d = st.device(key, M["IdRequest"].FromString(body).id)
    r = M["GetDeviceActivationResponse"]()
    a = d.get("activation")
    if not a:
        return r  # no session: OK, field 1 absent (chirpstack src/api/device.rs)
    da = r.device_activation
    da.dev_eui = d["dev_eui"].lower()
    for f in ("dev_addr", "app_s_key", "nwk_s_enc_key", "s_nwk_s_int_key", "f_nwk_s_int_key"):
        setattr(da, f, a.get(f, ""))
    for f in ("f_cnt_up", "n_f_cnt_down", "a_f_cnt_down"):
        setattr(da, f, int(a.get(f, 0)))
    if d.get("kek_label"):
        # The Join Server handed out the AppSKey wrapped: ChirpStack keeps the
        # wrapped bytes, in field 3 (hex) and in the key envelope.
        r.join_server_context.session_key_id = "0102030405060708"
        r.join_server_context.app_s_key.kek_label = d["kek_label"]
        r.join_server_context.app_s_key.aes_key = bytes.fromhex(a.get("app_s_key", ""))
    return r


def m_device_list(st, key, body):
    req = M["ListRequest"].FromString(body)
    need_uuid(req.parent_id)
    app = st.apps.get(req.parent_id)
    if app is None:
        raise Status(5, "Object does not exist (id: %s)" % req.parent_id)
    st.allow(key, app["tenant_id"])
    devs = sorted((d for d in st.devices.values() if d["application_id"] == req.parent_id),
                  key=lambda d: (d.get("name", ""), d["dev_eui"]))  # order_by NAME (0)
    r = M["ListDevicesResponse"](total_count=len(devs))
    for d in devs[req.offset:req.offset + req.limit]:
        it = r.result.add(dev_eui=d["dev_eui"].lower(), name=d.get("name", ""),
                          description=d.get("description", ""),
                          device_profile_id=d["device_profile_id"],
                          device_profile_name=st.profiles.get(d["device_profile_id"], {}).get("name", ""))
        if d.get("last_seen_at"):
            it.last_seen_at.CopyFrom(ts(d["last_seen_at"]))
    return r


def m_device_update(st, key, body):
    req = M["UpdateDeviceRequest"].FromString(body)
    d = st.device(key, req.device.dev_eui)
    if req.device.application_id != d["application_id"]:
        raise Status(3, "application_id can not be changed")
    with st.lock:
        d["name"] = req.device.name
        d["description"] = req.device.description
        d["device_profile_id"] = req.device.device_profile_id
        d["skip_fcnt_check"] = req.device.skip_fcnt_check
        d["is_disabled"] = req.device.is_disabled
        d["join_eui"] = req.device.join_eui
        d["tags"] = {e.key: e.value for e in req.device.tags}
        d["variables"] = {e.key: e.value for e in req.device.variables}
    return M["Empty"]()


def m_device_activate(st, key, body):
    req = M["ActivateDeviceRequest"].FromString(body)
    da = req.device_activation
    d = st.device(key, da.dev_eui)
    for f in ("dev_addr", "app_s_key", "nwk_s_enc_key", "s_nwk_s_int_key", "f_nwk_s_int_key"):
        v = getattr(da, f)
        if not re.match(r"^[0-9a-f]{%d}$" % (8 if f == "dev_addr" else 32), v):
            raise Status(3, "invalid %s" % f)  # hex decode fails: InvalidArgument
    with st.lock:
        d["activation"] = {f: getattr(da, f) for f in (
            "dev_addr", "app_s_key", "nwk_s_enc_key", "s_nwk_s_int_key", "f_nwk_s_int_key",
            "f_cnt_up", "n_f_cnt_down", "a_f_cnt_down")}
        d.pop("kek_label", None)
    return M["Empty"]()


def m_profile_get(st, key, body):
    pid = M["IdRequest"].FromString(body).id
    need_uuid(pid)
    p = st.profiles.get(pid)
    if p is None:
        raise Status(5, "Object does not exist (id: %s)" % pid)
    st.allow(key, p.get("tenant_id"))
    r = M["GetDeviceProfileResponse"]()
    dp = r.device_profile
    enums = {"region": REGION, "mac_version": MAC_VERSION, "reg_params_revision": REG_PARAMS,
             "payload_codec_runtime": CODEC}
    for f in dp.DESCRIPTOR.fields:
        if f.name not in p:
            continue
        v = p[f.name]
        if f.name in enums:
            setattr(dp, f.name, enums[f.name][v])
        elif f.name == "tags":
            entries(dp.tags, v)
        else:
            setattr(dp, f.name, v)
    return r


def m_app_get(st, key, body):
    aid = M["IdRequest"].FromString(body).id
    need_uuid(aid)
    a = st.apps.get(aid)
    if a is None:
        raise Status(5, "Object does not exist (id: %s)" % aid)
    st.allow(key, a["tenant_id"])
    r = M["GetApplicationResponse"]()
    r.application.id, r.application.name = a["id"], a.get("name", "")
    r.application.description, r.application.tenant_id = a.get("description", ""), a["tenant_id"]
    return r


def m_app_list(st, key, body):
    req = M["ListRequest"].FromString(body)
    need_uuid(req.parent_id)  # tenant_id is required
    st.allow(key, req.parent_id)
    apps = sorted((a for a in st.apps.values() if a["tenant_id"] == req.parent_id
                   and req.search.lower() in a.get("name", "").lower()),
                  key=lambda a: a.get("name", ""))
    r = M["ListApplicationsResponse"](total_count=len(apps))
    for a in apps[req.offset:req.offset + req.limit]:
        r.result.add(id=a["id"], name=a.get("name", ""), description=a.get("description", ""))
    return r


def m_tenant_list(st, key, body):
    req = M["ListRequest"].FromString(body)
    if not key.get("admin"):
        raise Status(16, "")
    ts_ = sorted(st.tenants.values(), key=lambda t: t.get("name", ""))
    r = M["ListTenantsResponse"](total_count=len(ts_))
    for t in ts_[req.offset:req.offset + req.limit]:
        r.result.add(id=t["id"], name=t.get("name", ""))
    return r


METHODS = {
    "/api.DeviceService/Get": m_device_get,
    "/api.DeviceService/GetKeys": m_device_keys,
    "/api.DeviceService/GetActivation": m_device_activation,
    "/api.DeviceService/List": m_device_list,
    "/api.DeviceService/Update": m_device_update,
    "/api.DeviceService/Activate": m_device_activate,
    "/api.DeviceProfileService/Get": m_profile_get,
    "/api.ApplicationService/Get": m_app_get,
    "/api.ApplicationService/List": m_app_list,
    "/api.TenantService/List": m_tenant_list,
}


def with_unknown_fields(data):
    """Moves the first top-level field to the end (out of order) and adds
    unknown fields of wire types 0, 1, 2 and 5 and a packed repeated field."""
    extra = (b"\xc0\x3e\x96\x01"          # 1000 varint 150
             + b"\xc9\x3e" + b"\x01" * 8  # 1001 fixed64
             + b"\xd2\x3e\x03abc"         # 1002 bytes
             + b"\xdd\x3e" + b"\x02" * 4  # 1003 fixed32
             + b"\xe2\x3e\x03\x01\x02\x03")  # 1004 packed varints
    if data[:1] == b"\x0a":  # field 1, length-delimited: put it last
        n, i, shift = 0, 1, 0
        while True:
            b = data[i]
            n |= (b & 0x7F) << shift
            i += 1
            shift += 7
            if b < 0x80:
                break
        first, rest = data[:i + n], data[i + n:]
        return extra + rest + first
    return extra + data


def call(st, path, authorization, body):
    """One unary call: (status code, message, response bytes)."""
    fn = METHODS.get(path)
    if fn is None:
        return 12, "", b""
    try:
        key = st.key_of(authorization)
        resp = fn(st, key, body).SerializeToString()
    except Status as s:
        return s.code, s.message, b""
    except Exception as e:  # a malformed request
        return 13, "decode: %s" % e, b""
    if st.unknown_fields:
        resp = with_unknown_fields(resp)
    return 0, "", resp


def frame(flag, payload):
    return bytes([flag]) + len(payload).to_bytes(4, "big") + payload


def unframe(body):
    if len(body) < 5 or body[0] != 0:
        return None
    n = int.from_bytes(body[1:5], "big")
    return body[5:5 + n] if len(body) == 5 + n else None


def take_fault(st, path):
    with st.lock:
        for f in st.faults:
            if f["count"] > 0 and f.get("method") in (None, path):
                f["count"] -= 1
                return dict(f)
    return None


def pct(s):
    return urllib.parse.quote(s, safe=" ")


# ---- HTTP/1.1 -----------------------------------------------------------------

def read_http1(f):
    line = f.readline()
    if not line:
        return None
    method, target, _ = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    headers = {}
    while True:
        h = f.readline().decode("latin-1").rstrip("\r\n")
        if not h:
            break
        k, _, v = h.partition(":")
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0") or 0))
    return method, target, headers, body


def send_http1(conn, status, headers, body=b""):
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
              503: "Service Unavailable"}.get(status, "Error")
    h = "HTTP/1.1 %d %s\r\n" % (status, reason)
    for k, v in headers + [("content-length", str(len(body)))]:
        h += "%s: %s\r\n" % (k, v)
    conn.sendall(h.encode("latin-1") + b"\r\n" + body)


def admin(st, method, path, body):
    if path == "/_emulator/requests" and method == "GET":
        with st.lock:
            return 200, json.dumps(st.log).encode()
    if path == "/_emulator/requests" and method == "DELETE":
        with st.lock:
            st.log.clear()
        return 200, b"{}"
    if path == "/_emulator/devices" and method == "GET":
        with st.lock:
            return 200, json.dumps(sorted(st.devices.values(), key=lambda d: d["dev_eui"])).encode()
    if path == "/_emulator/faults" and method == "POST":
        f = json.loads(body or b"{}")
        f["count"] = int(f.get("count", 1))
        with st.lock:
            st.faults.append(f)
        return 200, b"{}"
    return 404, b'{"error":"unknown admin route"}'


def serve_http1(st, conn):
    f = conn.makefile("rb")
    while True:
        req = read_http1(f)
        if req is None:
            return
        method, target, headers, body = req
        path = target.split("?", 1)[0]
        if path.startswith("/_emulator/"):
            code, out = admin(st, method, path, body)
            send_http1(conn, code, [("content-type", "application/json")], out)
            continue
        ctype = headers.get("content-type", "")
        if ctype.startswith("application/grpc") and ctype not in GRPC_WEB_TYPES:
            send_http1(conn, 400, [("content-type", "text/plain")], b"grpc requires HTTP/2")
            continue
        if ctype not in GRPC_WEB_TYPES:
            send_http1(conn, 404, [("content-type", "text/html")], b"<html>ChirpStack UI</html>")
            continue
        if method != "POST":
            send_http1(conn, 405, [], b"")
            continue
        text = ctype.startswith("application/grpc-web-text")
        fault = take_fault(st, path)
        if fault and fault.get("drop"):
            log(st, path, "grpc-web", "1.1", -1)
            conn.close()
            return
        if fault and fault.get("http_status"):
            log(st, path, "grpc-web", "1.1", -fault["http_status"])
            send_http1(conn, fault["http_status"], [("content-type", "text/plain")], b"fault")
            continue
        raw = base64.b64decode(body) if text else body
        code, msg, resp = grpc_status_of(st, fault, path, headers.get("authorization"), raw)
        log(st, path, "grpc-web", "1.1", code)
        rtype = "application/grpc-web-text+proto" if text else "application/grpc-web+proto"
        if code != 0:  # trailers-only
            send_http1(conn, 200, [("content-type", rtype), ("grpc-status", str(code)),
                                   ("grpc-message", pct(msg))])
            continue
        out = frame(0, resp) + frame(0x80, b"grpc-status:0\r\ngrpc-message:\r\n")
        send_http1(conn, 200, [("content-type", rtype)], base64.b64encode(out) if text else out)


def grpc_status_of(st, fault, path, authorization, raw):
    if fault and "grpc_status" in fault:
        return int(fault["grpc_status"]), fault.get("message", "fault injected"), b""
    msg = unframe(raw)
    if msg is None:
        return 13, "invalid gRPC frame", b""
    return call(st, path, authorization, msg)


def log(st, path, transport, http, status):
    with st.lock:
        st.log.append({"method": path, "transport": transport, "http": http, "status": status})


# ---- HTTP/2 -------------------------------------------------------------------

def serve_h2(st, conn):
    h2c = h2.connection.H2Connection(config=h2.config.H2Configuration(
        client_side=False, header_encoding="utf-8"))
    h2c.initiate_connection()
    conn.sendall(h2c.data_to_send())
    streams = {}
    while True:
        data = conn.recv(65536)
        if not data:
            return
        for ev in h2c.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                streams[ev.stream_id] = {"headers": dict(ev.headers), "body": b""}
            elif isinstance(ev, h2.events.DataReceived):
                streams[ev.stream_id]["body"] += ev.data
                h2c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.StreamEnded):
                s = streams.pop(ev.stream_id)
                if not h2_respond(st, h2c, ev.stream_id, s["headers"], s["body"]):
                    conn.close()
                    return
            elif isinstance(ev, h2.events.ConnectionTerminated):
                conn.sendall(h2c.data_to_send())
                return
        conn.sendall(h2c.data_to_send())


def h2_respond(st, h2c, sid, headers, body):
    path, method = headers.get(":path", ""), headers.get(":method", "")
    ctype = headers.get("content-type", "")
    web = ctype in GRPC_WEB_TYPES
    if not ctype.startswith("application/grpc"):
        h2c.send_headers(sid, [(":status", "404"), ("content-type", "text/html")], end_stream=True)
        return True
    if method != "POST":
        h2c.send_headers(sid, [(":status", "405")], end_stream=True)
        return True
    transport = "grpc-web" if web else "grpc"
    fault = take_fault(st, path)
    if fault and fault.get("drop"):
        log(st, path, transport, "2", -1)
        return False
    if fault and fault.get("http_status"):
        log(st, path, transport, "2", -fault["http_status"])
        h2c.send_headers(sid, [(":status", str(fault["http_status"])),
                               ("content-type", "text/plain")], end_stream=True)
        return True
    text = ctype.startswith("application/grpc-web-text")
    raw = base64.b64decode(body) if text else body
    code, msg, resp = grpc_status_of(st, fault, path, headers.get("authorization"), raw)
    log(st, path, transport, "2", code)
    rtype = ("application/grpc-web-text+proto" if text else "application/grpc-web+proto") \
        if web else "application/grpc"
    if code != 0:  # trailers-only: one HEADERS frame that ends the stream
        h2c.send_headers(sid, [(":status", "200"), ("content-type", rtype),
                               ("grpc-status", str(code)), ("grpc-message", pct(msg))],
                         end_stream=True)
        return True
    h2c.send_headers(sid, [(":status", "200"), ("content-type", rtype)])
    if web:
        out = frame(0, resp) + frame(0x80, b"grpc-status:0\r\ngrpc-message:\r\n")
        h2c.send_data(sid, base64.b64encode(out) if text else out, end_stream=True)
    else:
        h2c.send_data(sid, frame(0, resp))
        h2c.send_headers(sid, [("grpc-status", "0"), ("grpc-message", "")], end_stream=True)
    return True


# ---- the listener ---------------------------------------------------------------

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def handle(st, conn, tls):
    try:
        if tls is not None:
            # TLS: ALPN decides (h2, else HTTP/1.1), as in front of ChirpStack.
            conn.settimeout(30)
            conn = tls.wrap_socket(conn, server_side=True)
            conn.settimeout(None)
            if conn.selected_alpn_protocol() == "h2":
                serve_h2(st, conn)
            else:
                serve_http1(st, conn)
            return
        # Peek at the first bytes until there are as many as the preface (or
        # the peer stops sending): a client's first write may be split.
        conn.settimeout(30)
        first = conn.recv(len(PREFACE), socket.MSG_PEEK | socket.MSG_WAITALL)
        conn.settimeout(None)
        if first == PREFACE:
            serve_h2(st, conn)
        else:
            serve_http1(st, conn)
    except (OSError, ValueError, h2.exceptions.ProtocolError):  # ssl.SSLError is an OSError
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", required=True)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--unknown-fields", action="store_true")
    ap.add_argument("--tls-cert", help="serve TLS with this certificate chain (PEM)")
    ap.add_argument("--tls-key", help="and this private key (PEM)")
    a = ap.parse_args()
    tls = None
    if a.tls_cert:
        import ssl
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(a.tls_cert, a.tls_key)
        tls.set_alpn_protocols(["h2", "http/1.1"])
    with open(a.seed, encoding="utf-8") as f:
        st = State(json.load(f), a.unknown_fields)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(64)
    print(ls.getsockname()[1], flush=True)
    if not a.quiet:
        print("csemu: %d devices" % len(st.devices), file=sys.stderr)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=handle, args=(st, conn, tls), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
