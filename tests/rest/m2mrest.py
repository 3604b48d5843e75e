# SPDX-License-Identifier: GPL-2.0
"""Helpers of the REST suite (imported by every test file, not run).

A test file gets the agent under test from the environment that
tests/rest/run sets (M2MD_URL, M2MD_ADMIN, M2MD_ROOT, M2MD_COAP,
M2MD_XSD), sends requests with Suite.req() and prints TAP. Each XML
body the agent sends is one more check: xmllint validates it against
the schema of its root element. Each JSON body must parse.
"""

import base64
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

NS = 'http://uri.etsi.org/m2m'
TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# Root elements whose schema file is named after something else.
XSD_FILE = {'membersContentResponses': 'membersContent'}


def q(name):
    """The qualified ElementTree name of an element of the m2m namespace."""
    return '{%s}%s' % (NS, name)


def xml_doc(root, attrs=None, inner='', qualified_id=False):
    """An ETSI XML document: <m2m:ROOT ATTRS>INNER</m2m:ROOT>.

    attrs maps attribute names to values; "id" becomes m2m:id when
    qualified_id is set, as container, contentInstance and accessRight
    declare it.
    """
    parts = []
    for name, value in (attrs or {}).items():
        if name == 'id' and qualified_id:
            name = 'm2m:id'
        parts.append(' %s="%s"' % (name, value))
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<m2m:%s xmlns:m2m="%s"%s>%s</m2m:%s>'
            % (root, NS, ''.join(parts), inner, root))


def el(name, value=''):
    """<m2m:NAME>VALUE</m2m:NAME>, VALUE already XML text."""
    return '<m2m:%s>%s</m2m:%s>' % (name, value, name)


def ref(uri):
    """A <reference> of an AnyURIList, a local element in no namespace."""
    return '<reference>%s</reference>' % uri


def search_strings(*words):
    return el('searchStrings', ''.join(el('searchString', w) for w in words))


def permission(flags, holders):
    """One <permission> granting flags to holders (inner XML)."""
    return el('permission',
              el('permissionFlags', ''.join(el('flag', f) for f in flags)) +
              el('permissionHolders', holders))


def access_right_doc(ident, permissions, self_permissions=None):
    """An <accessRight> body; self_permissions default to permissions."""
    if self_permissions is None:
        self_permissions = permissions
    return xml_doc('accessRight', {'id': ident},
                   el('permissions', permissions) +
                   el('selfPermissions', self_permissions),
                   qualified_id=True)


def iso_time(t):
    """xsd:dateTime in UTC of Unix time t."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(t))


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over the agent's admin socket (a Unix stream socket)."""

    def __init__(self, path, timeout):
        super().__init__('localhost', timeout=timeout)
        self.unix_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


class Reply:
    """One HTTP reply: status, lower-case headers and body bytes."""

    def __init__(self, status, headers, body, error=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.error = error

    @property
    def ctype(self):
        return self.headers.get('content-type', '').split(';')[0].strip()

    @property
    def text(self):
        return self.body.decode('utf-8', 'replace')

    def is_xml(self):
        ct = self.ctype
        return ct in ('application/xml', 'text/xml') or ct.endswith('+xml')

    def is_json(self):
        ct = self.ctype
        return ct == 'application/json' or ct.endswith('+json')

    def xml(self):
        """The parsed XML root element, or None."""
        try:
            return ET.fromstring(self.body)
        except ET.ParseError:
            return None

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def root(self):
        """Local name of the root element (XML) or the one key (JSON)."""
        if self.is_xml():
            doc = self.xml()
            return None if doc is None else doc.tag.split('}')[-1]
        if self.is_json():
            doc = self.json()
            if isinstance(doc, dict) and len(doc) == 1:
                return next(iter(doc))
        return None

    def field(self, name):
        """Text of the first element (or JSON key) called name, or None."""
        if self.is_xml():
            doc = self.xml()
            if doc is None:
                return None
            for node in doc.iter():
                if node.tag.split('}')[-1] == name:
                    return (node.text or '').strip()
            return None
        if self.is_json():
            return json_find(self.json(), name)
        return None

    def fields(self, name):
        """Texts of every element (or JSON list items) called name."""
        if self.is_xml():
            doc = self.xml()
            if doc is None:
                return []
            return [(n.text or '').strip() for n in doc.iter()
                    if n.tag.split('}')[-1] == name]
        if self.is_json():
            out = []
            json_collect(self.json(), name, out)
            return out
        return []

    def ids(self):
        """Names listed in the reply: id, m2m:id, appId and sclId
        attributes (XML) or keys (JSON)."""
        out = set()
        keys = ('id', q('id'), 'appId', 'sclId')
        if self.is_xml():
            doc = self.xml()
            if doc is not None:
                for node in doc.iter():
                    out.update(node.attrib[k] for k in keys
                               if k in node.attrib)
        elif self.is_json():
            stack = [self.json()]
            while stack:
                node = stack.pop()
                if isinstance(node, dict):
                    for key, value in node.items():
                        if key in ('id', 'appId', 'sclId') and \
                                isinstance(value, str):
                            out.add(value)
                        else:
                            stack.append(value)
                elif isinstance(node, list):
                    stack.extend(node)
        return out

    def location(self):
        """Path of the Location header, without scheme and host."""
        loc = self.headers.get('location')
        if not loc:
            return None
        return urllib.parse.urlparse(loc).path

    def __repr__(self):
        return 'HTTP %s %s %r' % (self.status, self.ctype, self.body[:300])


def json_find(doc, name):
    out = []
    json_collect(doc, name, out)
    return out[0] if out else None


def json_collect(doc, name, out):
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key == name:
                if isinstance(value, list):
                    out.extend(str(v) if not isinstance(v, str) else v
                               for v in value)
                elif isinstance(value, (dict,)):
                    out.append(value)
                else:
                    out.append(value if isinstance(value, str)
                               else json.dumps(value))
            json_collect(value, name, out)
    elif isinstance(doc, list):
        for value in doc:
            json_collect(value, name, out)


def xsd_check(body, root):
    """Validate body against tests/xsd/<root>.xsd. Returns (ok, reason)."""
    xsd_dir = os.environ.get('M2MD_XSD', os.path.join(TOP, 'tests', 'xsd'))
    xsd = os.path.join(xsd_dir, XSD_FILE.get(root, root) + '.xsd')
    if not os.path.exists(xsd):
        return False, 'no schema %s' % os.path.relpath(xsd, TOP)
    run = subprocess.run(['xmllint', '--nonet', '--noout', '--schema', xsd,
                          '-'], input=body, capture_output=True)
    if run.returncode == 0:
        return True, ''
    return False, run.stderr.decode('utf-8', 'replace').strip()


class Suite:
    """TAP output and the HTTP client of one test file."""

    def __init__(self, name):
        self.name = name
        self.count = 0
        self.failed = 0
        self.url = os.environ.get('M2MD_URL', 'http://127.0.0.1:27080')
        parsed = urllib.parse.urlparse(self.url)
        self.host = parsed.hostname
        self.port = parsed.port
        self.admin_path = os.environ.get('M2MD_ADMIN', '')
        self.base = os.environ.get('M2MD_ROOT', '/nscl')
        self.coap = os.environ.get('M2MD_COAP', '')
        self.conns = {}
        self.validated = 0
        sys.stdout.reconfigure(line_buffering=True)

    def use_agent(self, agent):
        """Send the next requests to agent (an Agent)."""
        for conn in self.conns.values():
            conn.close()
        self.conns = {}
        self.url = 'http://127.0.0.1:%d' % agent.port
        self.host = '127.0.0.1'
        self.port = agent.port
        self.admin_path = agent.admin

    # ---- TAP ----

    def ok(self, cond, name, diag=None):
        self.count += 1
        if cond:
            print('ok %d %s' % (self.count, name))
        else:
            self.failed += 1
            print('not ok %d %s' % (self.count, name))
            if diag is not None:
                for line in str(diag).splitlines()[:12]:
                    print('# ' + line[:400])
        return bool(cond)

    def eq(self, name, expected, actual, diag=None):
        good = expected == actual
        if not good:
            extra = '' if diag is None else '\n' + str(diag)
            diag = 'expected %r, got %r%s' % (expected, actual, extra)
        return self.ok(good, name, None if good else diag)

    def status(self, name, expected, reply):
        """Check a reply's status; expected may be a tuple of statuses."""
        allowed = expected if isinstance(expected, tuple) else (expected,)
        return self.ok(reply.status in allowed, name,
                       None if reply.status in allowed else
                       'expected %s, got %r' % ('/'.join(map(str, allowed)),
                                                reply))

    def diag(self, text):
        for line in str(text).splitlines():
            print('# ' + line)

    def done(self):
        print('1..%d' % self.count)
        sys.exit(1 if self.failed else 0)

    def skip_all(self, why):
        print('1..0 # SKIP %s' % why)
        sys.exit(4)

    # ---- HTTP ----

    def _conn(self, admin, timeout):
        key = ('admin' if admin else 'tcp', timeout)
        conn = self.conns.get(key)
        if conn is None:
            if admin:
                conn = UnixHTTPConnection(self.admin_path, timeout)
            else:
                conn = http.client.HTTPConnection(self.host, self.port,
                                                  timeout=timeout)
            self.conns[key] = conn
        return conn

    def raw(self, method, target, body=None, headers=None, admin=False,
            timeout=30):
        """Send one request and return a Reply (status 0 on an error)."""
        if isinstance(body, str):
            body = body.encode()
        hdrs = dict(headers or {})
        for attempt in range(2):
            conn = self._conn(admin, timeout)
            try:
                conn.putrequest(method, target, skip_accept_encoding=True)
                for key, value in hdrs.items():
                    conn.putheader(key, value)
                if body is not None or method in ('POST', 'PUT'):
                    conn.putheader('Content-Length',
                                   str(len(body or b'')))
                try:
                    conn.endheaders(body)
                except OSError:
                    # A server may reply (413) and close before it has
                    # read the whole body: read that reply.
                    if conn.sock is None:
                        raise
                resp = conn.getresponse()
                data = resp.read()
                reply = Reply(resp.status,
                              {k.lower(): v for k, v in resp.getheaders()},
                              data)
                if resp.will_close:
                    conn.close()
                    self.conns.pop(('admin' if admin else 'tcp', timeout))
                return reply
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                self.conns.pop(('admin' if admin else 'tcp', timeout))
                if attempt:
                    return Reply(0, {}, b'', error=str(err))
        return Reply(0, {}, b'', error='unreachable')

    def req(self, method, path, body=None, ctype=None, accept=None,
            headers=None, admin=False, timeout=30, validate=True):
        """A request to path (with its query) that checks the reply body.

        ctype defaults to application/xml when there is a body. Every
        XML reply in the m2m namespace is validated against its schema
        (one check), every JSON reply must parse (one check).
        """
        hdrs = dict(headers or {})
        if body is not None and ctype is None:
            ctype = 'application/xml'
        if ctype:
            hdrs['Content-Type'] = ctype
        if accept:
            hdrs['Accept'] = accept
        reply = self.raw(method, path, body, hdrs, admin, timeout)
        if validate:
            self.check_body(reply, '%s %s' % (method, path[:120]))
        return reply

    def check_body(self, reply, what):
        if not reply.body:
            return
        if reply.is_xml():
            doc = reply.xml()
            if doc is None:
                self.ok(False, 'xml well-formed: %s' % what, reply.text)
                return
            if not doc.tag.startswith('{%s}' % NS):
                return  # raw content of an instance, not ETSI XML
            root = doc.tag.split('}')[-1]
            good, why = xsd_check(reply.body, root)
            self.validated += 1
            self.ok(good, 'xsd %s: %s' % (root, what),
                    None if good else why + '\n' + reply.text[:600])
        elif reply.is_json():
            self.ok(reply.json() is not None, 'json parses: %s' % what,
                    reply.text[:300])

    # Shortcuts: admin requests (root on the admin socket).
    def get(self, path, **kw):
        return self.req('GET', path, **kw)

    def aget(self, path, **kw):
        return self.req('GET', path, admin=True, **kw)

    def apost(self, path, body, **kw):
        return self.req('POST', path, body, admin=True, **kw)

    def aput(self, path, body, **kw):
        return self.req('PUT', path, body, admin=True, **kw)

    def adelete(self, path, **kw):
        return self.req('DELETE', path, admin=True, **kw)

    # ---- Fixtures ----

    def ensure(self, collection, body, name, **kw):
        """Create name in collection as admin unless it exists."""
        path = '%s/%s' % (collection, name)
        if self.aget(path, validate=False).status == 200:
            return path
        reply = self.apost(collection, body, **kw)
        if reply.status != 201:
            self.diag('setup: POST %s: %r' % (collection, reply))
        return path

    def app(self, app_id, inner=''):
        """Register application app_id under the sclBase (admin)."""
        return self.ensure(self.base + '/applications',
                           xml_doc('application', {'appId': app_id}, inner),
                           app_id)

    def container(self, parent, cid, inner=''):
        """Create container cid under parent (admin); its path."""
        return self.ensure(parent + '/containers',
                           xml_doc('container', {'id': cid}, inner,
                                   qualified_id=True), cid)

    def fresh(self, prefix):
        """A resource name no earlier run used."""
        return '%s-%d-%d' % (prefix, os.getpid(), int(time.time() * 1000)
                             % 100000000)

    def check_error(self, name, reply, status_code, words):
        """Check an error reply: its statusCode, and an additionalInfo
        that contains each of words (case-insensitive)."""
        self.eq(name + ': statusCode', status_code, reply.field('statusCode'),
                reply)
        info = (reply.field('additionalInfo') or '').lower()
        # A tuple in words lists alternatives, any one of which will do.
        missing = [w for w in words
                   if not any(alt.lower() in info for alt in
                              (w if isinstance(w, tuple) else (w,)))]
        self.ok(info and not missing, name + ': additionalInfo says what',
                'additionalInfo %r lacks %r' % (info, missing)
                if missing or not info else None)

    def unchanged(self, name, path, before):
        """Check that GET path (admin) gives the same body as before."""
        after = self.aget(path, validate=False)
        self.ok(after.status == before.status and after.body == before.body,
                name + ': tree unchanged', 'before %r\nafter  %r'
                % (before, after))


def b64(data):
    return base64.b64encode(data).decode()


def wait_until(fn, seconds, step=0.1):
    """Call fn until it returns a true value or seconds pass."""
    deadline = time.time() + seconds
    while True:
        value = fn()
        if value or time.time() >= deadline:
            return value
        time.sleep(step)


def free_port(lo=27000, hi=28999, udp=False):
    """A port of H7's range that nothing listens on now."""
    kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
    start = lo + (os.getpid() * 7) % (hi - lo)
    for i in range(hi - lo):
        port = lo + (start - lo + i) % (hi - lo)
        sock = socket.socket(socket.AF_INET, kind)
        try:
            sock.bind(('127.0.0.1', port))
            return port
        except OSError:
            continue
        finally:
            sock.close()
    raise RuntimeError('no free port in %d-%d' % (lo, hi))


class Agent:
    """An m2md of role network with kernel = no, on a state dir."""

    def __init__(self, workdir, port=None, coap_port=None, extra=None):
        self.workdir = workdir
        self.state = os.path.join(workdir, 'state')
        self.admin = os.path.join(workdir, 'admin.sock')
        self.log = os.path.join(workdir, 'm2md.log')
        self.conf = os.path.join(workdir, 'm2md.conf')
        self.port = port or free_port()
        self.coap_port = coap_port
        self.extra = extra or {}
        self.proc = None
        os.makedirs(self.state, exist_ok=True)

    def write_config(self):
        lines = ['role = network', 'kernel = no', 'tunnel = no',
                 'listen = 127.0.0.1:%d' % self.port,
                 'state-dir = %s' % self.state,
                 'admin-socket = %s' % self.admin,
                 'log-level = debug']
        if self.coap_port:
            lines.append('coap-listen = 127.0.0.1:%d' % self.coap_port)
        lines += ['%s = %s' % kv for kv in self.extra.items()]
        with open(self.conf, 'w') as conf:
            conf.write('\n'.join(lines) + '\n')

    def start(self, wait=20):
        """Start m2md and wait until its admin socket answers."""
        binary = os.environ.get('M2MD_BIN',
                                os.path.join(TOP, 'agent', 'm2md', 'm2md'))
        self.write_config()
        logf = open(self.log, 'a')
        self.proc = subprocess.Popen([binary, '--config', self.conf],
                                     stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        logf.close()
        return wait_until(self.ready, wait)

    def ready(self):
        if self.proc.poll() is not None:
            return None
        try:
            conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                              timeout=2)
            conn.request('GET', '/nscl')
            conn.getresponse().read()
            conn.close()
            return os.path.exists(self.admin)
        except OSError:
            return False

    def kill(self, sig):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self, n=15):
        try:
            with open(self.log, errors='replace') as logf:
                return ''.join(logf.readlines()[-n:])
        except OSError:
            return ''

    def rss_kib(self):
        with open('/proc/%d/status' % self.proc.pid) as status:
            for line in status:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        return 0


def env_for(agent):
    """The environment a test file needs to reach agent."""
    env = dict(os.environ)
    env.update({
        'M2MD_URL': 'http://127.0.0.1:%d' % agent.port,
        'M2MD_ADMIN': agent.admin,
        'M2MD_ROOT': '/nscl',
        'M2MD_COAP': ('127.0.0.1:%d' % agent.coap_port
                      if agent.coap_port else ''),
        'M2MD_LOG': agent.log,
        'M2MD_STATE': agent.state,
        'PYTHONPATH': os.path.dirname(os.path.abspath(__file__)),
    })
    return env


def name_re():
    return re.compile(r'^[A-Za-z0-9._~-]{1,255}$')


class ContactServer:
    """A notification contact on loopback (http.server in a thread) that
    records each request: (time, method, path, content type, body)."""

    def __init__(self, status=200):
        import http.server
        import threading

        outer = self
        self.requests = []
        self.lock = threading.Lock()
        self.status = status

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                size = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(size)
                with outer.lock:
                    outer.requests.append((time.time(), 'POST', self.path,
                                           self.headers.get('Content-Type',
                                                            ''), body))
                self.send_response(outer.status)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', free_port()), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def url(self, path='/notify'):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or
                    r[2] == path]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
